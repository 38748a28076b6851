//! The durable journal: the plan, then per item an intent written (and synced) before its
//! request and an outcome after it.
//!
//! [`Journal`] is the small trait an application implements to keep the journal elsewhere
//! (its own database); [`FileJournal`] is the embedded one: one append-only JSON-lines file,
//! each record `fsync`ed before the call returns (see `ARCHITECTURE.md` for why not SQLite).

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{JournalView, Outcome, Plan, PlanItem, PlanKind, RunState, ViewBuilder};

/// Format tag on the first line of a [`FileJournal`].
pub const FORMAT: &str = "hookspec-recover/1";

/// A plan's items, one at a time (see [`Journal::items`]).
pub type PlanItems = Box<dyn Iterator<Item = Result<PlanItem, JournalError>> + Send>;

/// What a `RunState` scan signals when a record names its item by key only.
const NEEDS_KEYS: &str = "\u{0}needs keys";

/// One record after the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Record {
    /// A run starts.
    Run {
        /// Run number, from 1.
        run: u32,
        /// When it started (RFC 3339).
        at: String,
        /// Whether failed items were selected again.
        retry_failed: bool,
        /// Whether uncertain items were selected again.
        resend_uncertain: bool,
    },
    /// The request of an item is about to be sent (written and synced before it is).
    Intent {
        /// Item key.
        key: String,
        /// Run number.
        run: u32,
        /// The item's position in the plan, from 0 (absent in journals written before it was
        /// recorded: the key then finds the item).
        #[serde(default, rename = "i", skip_serializing_if = "Option::is_none")]
        item: Option<usize>,
    },
    /// What came of an item's request.
    Outcome {
        /// Item key.
        key: String,
        /// Run number.
        run: u32,
        /// The item's position in the plan (see `Intent`).
        #[serde(default, rename = "i", skip_serializing_if = "Option::is_none")]
        item: Option<usize>,
        /// The outcome.
        outcome: Outcome,
    },
    /// A run ended (all its items recorded).
    RunEnd {
        /// Run number.
        run: u32,
        /// Whether it was stopped before every selected item was sent.
        interrupted: bool,
    },
}

/// What a journal holds: its plan and its records in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// The plan it was created with.
    pub plan: Plan,
    /// Every record after the plan.
    pub records: Vec<Record>,
}

/// Why a journal cannot be used. Whatever the variant, nothing has been sent because of it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JournalError {
    /// Reading or writing failed (unreadable, unwritable, disk full…).
    #[error("journal {location}: cannot {op}: {source}")]
    Io {
        /// The journal (its path).
        location: String,
        /// What was being done.
        op: &'static str,
        /// Cause.
        source: io::Error,
    },
    /// The journal is not one this crate wrote, or was damaged.
    #[error("journal {location} is corrupt at line {line}: {message}")]
    Corrupt {
        /// The journal (its path).
        location: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The journal was made for another plan (other command, zone, window, target…).
    #[error(
        "journal {location} belongs to another plan: it holds {journal}, this run is {requested}; use another --journal file"
    )]
    OtherPlan {
        /// The journal.
        location: String,
        /// The plan it holds.
        journal: String,
        /// The plan asked for.
        requested: String,
    },
    /// Another [`FileJournal`] (another process, or another value in this one) has the
    /// journal open: two writers would interleave their records and could send an item twice.
    #[error(
        "journal {location} is in use by another run (its lock file {lock} is held); wait for it to end, or use another --journal file"
    )]
    Locked {
        /// The journal.
        location: String,
        /// The lock file.
        lock: String,
    },
    /// A custom journal's own failure.
    #[error("journal: {0}")]
    Backend(String),
}

/// Where a recovery keeps its plan and records. Each method returns only once what it wrote is
/// durable: an intent must be on disk before its request leaves.
pub trait Journal: Send {
    /// A short description for messages (a path).
    fn location(&self) -> String;
    /// What the journal holds; `None` when it is empty (never created).
    fn load(&mut self) -> Result<Option<Loaded>, JournalError>;
    /// Records the plan in an empty journal.
    fn create(&mut self, plan: &Plan) -> Result<(), JournalError>;
    /// Appends one record.
    fn append(&mut self, record: &Record) -> Result<(), JournalError>;
    /// What the journal holds, replayed into a view (`None` when it is empty). By default
    /// [`Journal::load`] then [`JournalView::from_loaded`]; a journal that can hand its
    /// records over one at a time (as [`FileJournal`] does, through a [`ViewBuilder`]) need
    /// not hold them all at once.
    fn view(&mut self) -> Result<Option<JournalView>, JournalError> {
        let location = self.location();
        self.load()?
            .map(|loaded| {
                JournalView::from_loaded(loaded).map_err(|message| JournalError::Corrupt {
                    location,
                    line: 0,
                    message,
                })
            })
            .transpose()
    }

    /// What a run needs of the journal (`None` when it is empty): the states of its items by
    /// position, without the items. By default from [`Journal::view`]; [`FileJournal`] reads
    /// the file once and keeps nothing but the states.
    fn run_state(&mut self) -> Result<Option<RunState>, JournalError> {
        Ok(self.view()?.map(|v| RunState::of_view(&v)))
    }

    /// The plan's items in order, from a reader of their own (records appended meanwhile do
    /// not disturb it): a run takes its items from here one at a time instead of holding the
    /// plan. By default from [`Journal::load`].
    fn items(&mut self) -> Result<PlanItems, JournalError> {
        let items = self.load()?.map(|l| l.plan.items).unwrap_or_default();
        Ok(Box::new(items.into_iter().map(Ok)))
    }

    /// Appends records in order, durable together when it returns (one sync for all: what
    /// the run loop uses when several requests are in flight). By default, one by one.
    fn append_all(&mut self, records: &[Record]) -> Result<(), JournalError> {
        records.iter().try_for_each(|r| self.append(r))
    }
}

/// One line of a [`FileJournal`]: the plan's header and items, then [`Record`]s, each
/// written as the record itself (its `t` tag names it).
#[derive(Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
enum Line {
    Header {
        format: String,
        kind: PlanKind,
        params: serde_json::Value,
        items: usize,
    },
    Item(PlanItem),
    /// An item line counted but not kept (never written or read as such).
    #[serde(skip)]
    Counted,
    #[serde(untagged)]
    Record(Record),
}

/// A plan item's line, `{"t":"item","key":…,"detail":…}`, read and written as a plain struct:
/// an item's raw `detail` cannot go through the buffering that `Line`'s tagged
/// deserialization does.
#[derive(Serialize, Deserialize)]
struct ItemLine<'a> {
    t: ItemTag,
    #[serde(borrow)]
    key: std::borrow::Cow<'a, str>,
    detail: &'a serde_json::value::RawValue,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ItemTag {
    Item,
}

impl ItemLine<'_> {
    fn to_item(&self) -> PlanItem {
        PlanItem {
            key: self.key.clone().into_owned(),
            detail: hookspec::RawJson::from(self.detail.to_owned()),
        }
    }
}

/// A file journal's plan items, read with a handle of their own (see [`Journal::items`]).
struct ItemReader {
    reader: BufReader<File>,
    buf: Vec<u8>,
    line_no: usize,
    /// Items still to read (`None` before the header).
    remaining: Option<usize>,
    location: String,
}

impl ItemReader {
    fn fail(&mut self, message: String) -> Option<Result<PlanItem, JournalError>> {
        self.remaining = Some(0);
        Some(Err(JournalError::Corrupt {
            location: self.location.clone(),
            line: self.line_no,
            message,
        }))
    }
}

impl Iterator for ItemReader {
    type Item = Result<PlanItem, JournalError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.remaining == Some(0) {
                return None;
            }
            self.buf.clear();
            match self.reader.read_until(b'\n', &mut self.buf) {
                Ok(0) => return self.fail("the plan ends early".to_owned()),
                Ok(_) => {}
                Err(source) => {
                    self.remaining = Some(0);
                    return Some(Err(JournalError::Io {
                        location: self.location.clone(),
                        op: "read the plan",
                        source,
                    }));
                }
            }
            self.line_no += 1;
            let text = self.buf.strip_suffix(b"\n").unwrap_or(&self.buf);
            let Some(remaining) = self.remaining else {
                match serde_json::from_slice::<Line>(text) {
                    Ok(Line::Header { items, .. }) => {
                        self.remaining = Some(items);
                        continue;
                    }
                    _ => return self.fail("no journal header".to_owned()),
                }
            };
            return match serde_json::from_slice::<ItemLine<'_>>(text) {
                Ok(item) => {
                    let item = item.to_item();
                    self.remaining = Some(remaining - 1);
                    Some(Ok(item))
                }
                Err(e) => self.fail(format!("not a plan item: {e}")),
            };
        }
    }
}

/// What [`FileJournal`]'s reading hands on, in order.
enum Part {
    /// The plan (its items only when they are kept) and how many items it has.
    Plan(Plan, usize),
    Record(Record),
}

/// The embedded journal: one append-only JSON-lines file.
///
/// The plan is written to `<file>.tmp`, synced and renamed into place, so the file exists
/// only with a whole plan. Each record is one line, written with one `write` and synced
/// (`fdatasync`) before [`Journal::append`] returns. A last line without its newline (the
/// process died while writing it) is ignored and cut off before the next append; any other
/// line that does not parse makes the journal [`JournalError::Corrupt`].
///
/// One writer at a time: `create`, or `load` of an existing journal, takes an exclusive lock on
/// `<file>.lock` (created next to the journal and left there; the operating system releases
/// the lock when the `FileJournal` is dropped or its process dies, even by `SIGKILL`). While it
/// is held, another `FileJournal` on the same file — in another process or in this one — fails
/// with [`JournalError::Locked`] before reading or writing anything.
#[derive(Debug)]
pub struct FileJournal {
    path: PathBuf,
    file: Option<File>,
    /// Length of the valid prefix, as found by the last `load`.
    valid_len: Option<u64>,
    /// The open lock file, holding the exclusive lock while this value lives.
    lock: Option<File>,
    /// The last `load` found no file (and so took no lock).
    absent_at_load: bool,
}

impl FileJournal {
    /// A journal kept in `path` (nothing is read or written yet).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            file: None,
            valid_len: None,
            lock: None,
            absent_at_load: false,
        }
    }

    /// `<file>.lock`, the file whose lock says who writes the journal.
    pub fn lock_path(&self) -> PathBuf {
        let mut name = self.path.as_os_str().to_owned();
        name.push(".lock");
        PathBuf::from(name)
    }

    /// Takes the journal's lock, unless this value holds it already.
    fn lock(&mut self) -> Result<(), JournalError> {
        if self.lock.is_some() {
            return Ok(());
        }
        let lock_path = self.lock_path();
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(self.io("open its lock file"))?;
        match file.try_lock() {
            Ok(()) => {
                self.lock = Some(file);
                Ok(())
            }
            Err(std::fs::TryLockError::WouldBlock) => Err(JournalError::Locked {
                location: self.location(),
                lock: lock_path.display().to_string(),
            }),
            Err(std::fs::TryLockError::Error(e)) => Err(self.io("lock its lock file")(e)),
        }
    }

    /// Takes the lock if the journal exists (`false`: it does not). Nothing to protect yet
    /// otherwise, and no lock file is left behind by a run that stops before its plan on bad
    /// input: `create` takes the lock and checks again.
    fn lock_if_present(&mut self) -> Result<bool, JournalError> {
        if self.lock.is_none() && !self.path.exists() {
            self.valid_len = None;
            self.file = None;
            self.absent_at_load = true;
            return Ok(false);
        }
        self.lock()?;
        self.absent_at_load = false;
        Ok(true)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What the journal holds, read without taking its lock: for looking at a journal while a
    /// run writes it (`hookspec journal show`). A record being written is not seen yet.
    pub fn read(&mut self) -> Result<Option<Loaded>, JournalError> {
        let mut loaded: Option<Loaded> = None;
        self.scan(true, &mut |part| {
            match part {
                Part::Plan(plan, _) => {
                    loaded = Some(Loaded {
                        plan,
                        records: Vec::new(),
                    });
                }
                Part::Record(record) => {
                    if let Some(l) = &mut loaded {
                        l.records.push(record);
                    }
                }
            }
            Ok(())
        })?;
        Ok(loaded)
    }

    /// Reads the file line by line, giving `sink` the plan (once, whole, before any record)
    /// and then each record as it is read; nothing is kept here. A message from `sink` makes
    /// the journal corrupt at that line.
    fn scan(
        &mut self,
        keep_items: bool,
        sink: &mut dyn FnMut(Part) -> Result<(), String>,
    ) -> Result<(), JournalError> {
        self.file = None;
        let file = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(self.io("open")(e)),
        };
        let mut reader = BufReader::with_capacity(1 << 16, file);
        let mut buf = Vec::new();
        let mut offset = 0u64;
        let mut line_no = 0usize;
        let mut header: Option<(PlanKind, serde_json::Value, usize)> = None;
        let mut items = Vec::new();
        let mut item_count = 0usize;
        let mut plan_given = false;
        loop {
            buf.clear();
            let n = reader
                .read_until(b'\n', &mut buf)
                .map_err(self.io("read"))?;
            if n == 0 {
                break;
            }
            line_no += 1;
            if buf.last() != Some(&b'\n') {
                // A torn last line: the process stopped while writing it. Its record never
                // counted (the write had not returned), so it is dropped.
                break;
            }
            offset += n as u64;
            let text = &buf[..n - 1];
            let line = match serde_json::from_slice::<ItemLine<'_>>(text) {
                Ok(item) if keep_items => Line::Item(item.to_item()),
                Ok(_) => Line::Counted,
                Err(_) => serde_json::from_slice::<Line>(text)
                    .map_err(|e| self.corrupt(line_no, format!("not a journal record: {e}")))?,
            };
            if matches!(line, Line::Counted | Line::Item(_)) {
                if let Some((_, _, count)) = &header
                    && (item_count >= *count || plan_given)
                {
                    return Err(self.corrupt(line_no, "a plan item after the plan"));
                }
                item_count += 1;
            }
            match (line, &mut header) {
                (
                    Line::Header {
                        format,
                        kind,
                        params,
                        items: count,
                    },
                    None,
                ) if line_no == 1 => {
                    if format != FORMAT {
                        return Err(self.corrupt(1, format!("unknown format `{format}`")));
                    }
                    items.reserve(count.min(1 << 20));
                    header = Some((kind, params, count));
                }
                (_, None) => {
                    return Err(self.corrupt(line_no, "the first line is not a journal header"));
                }
                (Line::Header { .. }, Some(_)) => {
                    return Err(self.corrupt(line_no, "a second header"));
                }
                (Line::Item(item), Some(_)) => items.push(item),
                (Line::Counted, Some(_)) => {}
                (other, Some((kind, params, count))) => {
                    if !plan_given {
                        if item_count != *count {
                            return Err(self.corrupt(
                                line_no,
                                format!("the plan has {item_count} of its {count} items"),
                            ));
                        }
                        let plan = Plan {
                            kind: *kind,
                            params: std::mem::take(params),
                            items: std::mem::take(&mut items),
                        };
                        sink(Part::Plan(plan, item_count)).map_err(|m| self.corrupt(line_no, m))?;
                        plan_given = true;
                    }
                    if let Line::Record(record) = other {
                        sink(Part::Record(record)).map_err(|m| self.corrupt(line_no, m))?;
                    }
                }
            }
        }
        let Some((kind, params, count)) = header else {
            if line_no == 0 || offset == 0 {
                // An empty file: nothing was ever recorded.
                self.valid_len = Some(0);
                return Ok(());
            }
            return Err(self.corrupt(1, "no journal header"));
        };
        if !plan_given {
            if item_count != count {
                return Err(self.corrupt(
                    line_no,
                    format!("the plan has {item_count} of its {count} items"),
                ));
            }
            let plan = Plan {
                kind,
                params,
                items,
            };
            sink(Part::Plan(plan, item_count)).map_err(|m| self.corrupt(line_no, m))?;
        }
        self.valid_len = Some(offset);
        Ok(())
    }

    fn io(&self, op: &'static str) -> impl FnOnce(io::Error) -> JournalError + '_ {
        move |source| JournalError::Io {
            location: self.path.display().to_string(),
            op,
            source,
        }
    }

    fn corrupt(&self, line: usize, message: impl Into<String>) -> JournalError {
        JournalError::Corrupt {
            location: self.path.display().to_string(),
            line,
            message: message.into(),
        }
    }

    fn open_for_append(&mut self) -> Result<&mut File, JournalError> {
        if self.file.is_none() {
            let mut file = OpenOptions::new()
                .write(true)
                .open(&self.path)
                .map_err(self.io("open for writing"))?;
            let len = match self.valid_len {
                Some(len) => {
                    // Cut off a torn last line before writing after it.
                    file.set_len(len).map_err(self.io("truncate a torn line"))?;
                    len
                }
                None => file.metadata().map_err(self.io("stat"))?.len(),
            };
            file.seek(SeekFrom::Start(len)).map_err(self.io("seek"))?;
            self.file = Some(file);
        }
        Ok(self.file.as_mut().expect("just opened"))
    }
}

fn write_line(out: &mut impl Write, line: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer(&mut *out, line)?;
    out.write_all(b"\n")
}

fn sync_dir(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

impl Journal for FileJournal {
    fn location(&self) -> String {
        self.path.display().to_string()
    }

    fn load(&mut self) -> Result<Option<Loaded>, JournalError> {
        if !self.lock_if_present()? {
            return Ok(None);
        }
        self.read()
    }

    fn run_state(&mut self) -> Result<Option<RunState>, JournalError> {
        if !self.lock_if_present()? {
            return Ok(None);
        }
        let mut state: Option<RunState> = None;
        let scanned = self.scan(false, &mut |part| {
            match part {
                Part::Plan(plan, count) => {
                    state = Some(RunState::new(plan.kind, plan.params, count));
                }
                Part::Record(record) => {
                    if let Some(st) = &mut state {
                        st.apply(&record)
                            .map_err(|e| e.unwrap_or_else(|| NEEDS_KEYS.to_owned()))?;
                    }
                }
            }
            Ok(())
        });
        match scanned {
            // A journal whose records name items by key only: through the keys.
            Err(JournalError::Corrupt { message, .. }) if message == NEEDS_KEYS => {
                Ok(self.view()?.map(|v| RunState::of_view(&v)))
            }
            Err(e) => Err(e),
            Ok(()) => Ok(state),
        }
    }

    fn items(&mut self) -> Result<PlanItems, JournalError> {
        let file = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok(Box::new(std::iter::empty()));
            }
            Err(e) => return Err(self.io("open")(e)),
        };
        Ok(Box::new(ItemReader {
            reader: BufReader::with_capacity(1 << 16, file),
            buf: Vec::new(),
            line_no: 0,
            remaining: None,
            location: self.location(),
        }))
    }

    fn view(&mut self) -> Result<Option<JournalView>, JournalError> {
        if !self.lock_if_present()? {
            return Ok(None);
        }
        let mut builder: Option<ViewBuilder> = None;
        self.scan(true, &mut |part| {
            match part {
                Part::Plan(plan, _) => builder = Some(ViewBuilder::new(plan)?),
                Part::Record(record) => {
                    if let Some(b) = &mut builder {
                        b.apply(record)?;
                    }
                }
            }
            Ok(())
        })?;
        Ok(builder.map(ViewBuilder::finish))
    }

    fn create(&mut self, plan: &Plan) -> Result<(), JournalError> {
        self.lock()?;
        if std::mem::take(&mut self.absent_at_load) && self.path.exists() {
            // Another run created it between our `load` and now.
            return Err(JournalError::Locked {
                location: self.location(),
                lock: self.lock_path().display().to_string(),
            });
        }
        let tmp = {
            let mut name = self.path.as_os_str().to_owned();
            name.push(".tmp");
            PathBuf::from(name)
        };
        let mut out = io::BufWriter::new(File::create(&tmp).map_err(self.io("create"))?);
        write_line(
            &mut out,
            &Line::Header {
                format: FORMAT.to_owned(),
                kind: plan.kind,
                params: plan.params.clone(),
                items: plan.items.len(),
            },
        )
        .map_err(self.io("write the plan"))?;
        for item in &plan.items {
            let line = ItemLine {
                t: ItemTag::Item,
                key: std::borrow::Cow::Borrowed(&item.key),
                detail: item.detail.as_raw_value(),
            };
            write_line(&mut out, &line).map_err(self.io("write the plan"))?;
        }
        let file = out
            .into_inner()
            .map_err(|e| self.io("write the plan")(e.into_error()))?;
        file.sync_all().map_err(self.io("sync the plan"))?;
        drop(file);
        std::fs::rename(&tmp, &self.path).map_err(self.io("rename the plan into place"))?;
        sync_dir(&self.path).map_err(self.io("sync its directory"))?;
        self.valid_len = None;
        self.file = None;
        Ok(())
    }

    fn append(&mut self, record: &Record) -> Result<(), JournalError> {
        self.append_all(std::slice::from_ref(record))
    }

    fn append_all(&mut self, records: &[Record]) -> Result<(), JournalError> {
        if records.is_empty() {
            return Ok(());
        }
        let mut bytes = Vec::with_capacity(256 * records.len());
        for record in records {
            serde_json::to_writer(&mut bytes, record).map_err(|e| JournalError::Io {
                location: self.location(),
                op: "encode a record",
                source: e.into(),
            })?;
            bytes.push(b'\n');
        }
        self.lock()?;
        let path = self.path.display().to_string();
        let io = |op: &'static str| {
            let location = path.clone();
            move |source| JournalError::Io {
                location,
                op,
                source,
            }
        };
        let file = self.open_for_append()?;
        file.write_all(&bytes).map_err(io("append"))?;
        file.sync_data().map_err(io("sync"))?;
        Ok(())
    }
}

/// A journal in memory (tests, dry runs, applications that keep nothing).
#[derive(Debug, Default, Clone)]
pub struct MemoryJournal {
    /// What it holds.
    pub content: Option<Loaded>,
}

impl Journal for MemoryJournal {
    fn location(&self) -> String {
        "(memory)".to_owned()
    }

    fn load(&mut self) -> Result<Option<Loaded>, JournalError> {
        Ok(self.content.clone())
    }

    fn create(&mut self, plan: &Plan) -> Result<(), JournalError> {
        self.content = Some(Loaded {
            plan: plan.clone(),
            records: Vec::new(),
        });
        Ok(())
    }

    fn append(&mut self, record: &Record) -> Result<(), JournalError> {
        match &mut self.content {
            Some(l) => {
                l.records.push(record.clone());
                Ok(())
            }
            None => Err(JournalError::Backend("append before create".into())),
        }
    }
}
