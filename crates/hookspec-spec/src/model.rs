//! The validated spec data model: what the loader produces and codegen, the emulator and the
//! CLI consume. Every item that a later check may complain about carries its [`Pos`].

use std::fmt;
use std::sync::Arc;

/// A position in a spec file, 1-based, counted in characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Pos {
    /// The file as it should be shown to a person (e.g. `api-specs/fivecents/api.toml`).
    pub file: Arc<str>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub col: u32,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

/// One complete API: the per-API file plus one file per endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    /// Module name, a snake_case Rust identifier (`fivecents`).
    pub name: String,
    /// Human title (`5centscdn transcoding API`).
    pub title: String,
    /// Markdown documentation.
    pub doc: String,
    /// Default base URL; endpoint paths are appended to it.
    pub base_url: String,
    /// How requests authenticate.
    pub auth: Auth,
    /// Documented client-side rate limit, if any.
    pub rate_limit: Option<RateLimit>,
    /// Error models tried, in order, against the body of a non-2xx response.
    pub error_models: Vec<String>,
    /// Documented error responses.
    pub error_examples: Vec<Example>,
    /// Every model of the API (the API file's first, then each endpoint file's, files sorted).
    pub models: Vec<Model>,
    /// Every enum of the API, in the same order.
    pub enums: Vec<EnumDef>,
    /// Endpoints, sorted by file name.
    pub endpoints: Vec<Endpoint>,
    /// The emulator's collections (`[resources.*]` of the API file).
    pub resources: Vec<Resource>,
    /// Whether models refuse unknown fields unless they say otherwise (`deny_unknown` in the
    /// API file; default `false`).
    pub deny_unknown: bool,
    /// What the API POSTs to its users' webhook URLs (`webhooks.toml`), if declared.
    pub webhooks: Option<crate::webhooks::Webhooks>,
    /// Where the API file starts.
    pub pos: Pos,
}

impl Api {
    /// Looks a model up by name.
    pub fn model(&self, name: &str) -> Option<&Model> {
        self.models.iter().find(|m| m.name == name)
    }

    /// Whether `model` refuses unknown fields: its own `deny_unknown`, else the API's.
    pub fn denies_unknown(&self, model: &Model) -> bool {
        model.deny_unknown.unwrap_or(self.deny_unknown)
    }

    /// Looks a resource up by name.
    pub fn resource(&self, name: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.name == name)
    }

    /// Looks an enum up by name.
    pub fn enum_def(&self, name: &str) -> Option<&EnumDef> {
        self.enums.iter().find(|e| e.name == name)
    }

    /// Looks an endpoint up by its snake_case name.
    pub fn endpoint(&self, name: &str) -> Option<&Endpoint> {
        self.endpoints.iter().find(|e| e.name == name)
    }

    /// The type at a dotted field path (`meta.time.start`) of `model`: each step is a field
    /// (or alias) of a model, or any key of a `map<T>`; anything under `json` is `json`.
    /// `None` when a step does not exist (or goes through an array or a scalar).
    pub fn path_type(&self, model: &str, path: &str) -> Option<TypeRef> {
        let mut ty = TypeRef::Model(model.to_owned());
        for step in path.split('.') {
            ty = match ty {
                TypeRef::Model(name) => {
                    let m = self.model(&name)?;
                    m.fields
                        .iter()
                        .find(|f| f.name == step || f.aliases.iter().any(|a| a == step))?
                        .ty
                        .clone()
                }
                TypeRef::Map(inner) => *inner,
                TypeRef::Json => TypeRef::Json,
                _ => return None,
            };
        }
        Some(ty)
    }
}

/// Authentication scheme of an API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// The key is sent verbatim in the named header (5centscdn: `X-API-Key`).
    Header {
        /// Header name.
        name: String,
    },
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// No authentication.
    None,
}

/// A client-side rate limit: at most `requests` per `per_seconds` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed in one window.
    pub requests: u32,
    /// Window length in seconds.
    pub per_seconds: u32,
}

/// HTTP methods a spec may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
    /// HEAD
    Head,
}

impl Method {
    /// Parses an upper-case method name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "GET" => Self::Get,
            "POST" => Self::Post,
            "PUT" => Self::Put,
            "PATCH" => Self::Patch,
            "DELETE" => Self::Delete,
            "HEAD" => Self::Head,
            _ => return None,
        })
    }

    /// The upper-case method name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
            Self::Head => "HEAD",
        }
    }

    /// Whether HTTP defines the method as idempotent (RFC 9110 §9.2.2).
    pub fn is_idempotent(self) -> bool {
        !matches!(self, Self::Post | Self::Patch)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A type as written in a spec (`integer`, `array<WebhookCall>`, `map<json>`, `EventType`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TypeRef {
    /// UTF-8 string.
    String,
    /// 64-bit signed integer.
    Integer,
    /// 64-bit float.
    Float,
    /// Boolean.
    Bool,
    /// Seconds since the Unix epoch, as a JSON integer.
    UnixSeconds,
    /// RFC 3339 date-time string.
    DateTime,
    /// Milliseconds since the Unix epoch, as a JSON integer or a string of digits.
    UnixMillis,
    /// A date and time without a zone, `2026-04-25 12:29:13` (or with a `T`).
    CivilDateTime,
    /// Two instants, formatted into one query parameter as the parameter's [`RangeFormat`]
    /// says (parameters only).
    TimeRange,
    /// Any JSON value, decoded into a tree (`serde_json::Value`).
    Json,
    /// Any JSON value, kept as the exact text received (`hookspec::RawJson`): no tree is
    /// built, nothing is reformatted, and it costs about its own size in memory.
    RawJson,
    /// JSON array.
    Array(Box<TypeRef>),
    /// JSON object with string keys.
    Map(Box<TypeRef>),
    /// A model of this API.
    Model(String),
    /// An enum of this API.
    Enum(String),
}

impl TypeRef {
    /// Whether the type is a scalar that can travel in a path, query or header.
    pub fn is_scalar(&self) -> bool {
        matches!(
            self,
            Self::String
                | Self::Integer
                | Self::Float
                | Self::Bool
                | Self::UnixSeconds
                | Self::UnixMillis
                | Self::CivilDateTime
                | Self::TimeRange
                | Self::Enum(_)
        )
    }
}

impl fmt::Display for TypeRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::String => f.write_str("string"),
            Self::Integer => f.write_str("integer"),
            Self::Float => f.write_str("float"),
            Self::Bool => f.write_str("bool"),
            Self::UnixSeconds => f.write_str("unix_seconds"),
            Self::DateTime => f.write_str("datetime"),
            Self::UnixMillis => f.write_str("unix_millis"),
            Self::CivilDateTime => f.write_str("civil_datetime"),
            Self::TimeRange => f.write_str("time_range"),
            Self::Json => f.write_str("json"),
            Self::RawJson => f.write_str("raw_json"),
            Self::Array(t) => write!(f, "array<{t}>"),
            Self::Map(t) => write!(f, "map<{t}>"),
            Self::Model(n) | Self::Enum(n) => f.write_str(n),
        }
    }
}

/// A JSON object model (a Rust struct).
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// PascalCase name.
    pub name: String,
    /// Documentation.
    pub doc: String,
    /// Fields in declaration order.
    pub fields: Vec<Field>,
    /// "Exactly one of" groups; their member fields are listed in `fields` too.
    pub one_of: Vec<OneOf>,
    /// Example JSON of the model, if given.
    pub example: Option<String>,
    /// Whether a JSON object with a key that is no field (nor alias) of the model is refused
    /// (`deny_unknown = true`); `None`: the API's default ([`Api::deny_unknown`]).
    pub deny_unknown: Option<bool>,
    /// Where the model is declared.
    pub pos: Pos,
}

impl Model {
    /// The group a field belongs to, if any.
    pub fn group_of(&self, field: &str) -> Option<&OneOf> {
        self.one_of
            .iter()
            .find(|g| g.members.iter().any(|m| m == field))
    }
}

/// One field of a model.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Name on the wire (JSON key).
    pub name: String,
    /// Rust field name (snake_case, keywords get a trailing `_`).
    pub rust_name: String,
    /// Documentation.
    pub doc: String,
    /// Type.
    pub ty: TypeRef,
    /// The key may be absent.
    pub optional: bool,
    /// The value may be `null`.
    pub nullable: bool,
    /// Other wire names accepted when decoding (`coid` for `ocid`).
    pub aliases: Vec<String>,
    /// A `datetime` whose zero value (`0001-01-01T00:00:00Z`) means "not set".
    pub zero_as_none: bool,
    /// Accept numbers written as strings and strings written as numbers.
    pub lenient: bool,
    /// Store a model-typed value behind a pointer (`Box<Model>`): keeps the parent small
    /// when the value is large and usually absent (a list item's null `response`).
    pub boxed: bool,
    /// Where the field is declared.
    pub pos: Pos,
}

impl Field {
    /// Whether the Rust type is wrapped in `Option`.
    pub fn is_option(&self) -> bool {
        self.optional || self.nullable || self.zero_as_none
    }
}

/// An "exactly one of" group: becomes a Rust enum with one variant per member.
#[derive(Debug, Clone, PartialEq)]
pub struct OneOf {
    /// Rust field name holding the choice (`job`).
    pub field: String,
    /// Rust enum name (`JobSelector`).
    pub type_name: String,
    /// Documentation.
    pub doc: String,
    /// Member field names (wire names), in order.
    pub members: Vec<String>,
    /// Where the group is declared.
    pub pos: Pos,
}

/// A string enum with a fallback for values the spec does not know.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumDef {
    /// PascalCase name.
    pub name: String,
    /// Documentation.
    pub doc: String,
    /// Known values.
    pub values: Vec<EnumValue>,
    /// Where the enum is declared.
    pub pos: Pos,
}

/// One known value of an enum.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumValue {
    /// Wire value.
    pub value: String,
    /// Rust variant name.
    pub rust_name: String,
    /// Documentation.
    pub doc: String,
    /// Where the value is declared.
    pub pos: Pos,
}

/// A path, query or header parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Name on the wire.
    pub name: String,
    /// Rust name.
    pub rust_name: String,
    /// Documentation.
    pub doc: String,
    /// Scalar type.
    pub ty: TypeRef,
    /// May be omitted (never true for path parameters).
    pub optional: bool,
    /// An example value.
    pub example: Option<String>,
    /// How a `time_range` parameter is written (`None` for every other type).
    pub range: Option<RangeFormat>,
    /// How a list-valued (`array<T>`) query parameter is written (`None` for every other
    /// type).
    pub list: Option<ListFormat>,
    /// Where the parameter is declared.
    pub pos: Pos,
}

/// How a `time_range` parameter is written and bounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeFormat {
    /// `strftime` pattern of each end, in UTC (default `%Y-%m-%d %H:%M`).
    pub format: String,
    /// Text between the two ends (default ` - `).
    pub separator: String,
    /// Longest range accepted, in days; a longer one is refused before sending.
    pub max_days: Option<u32>,
}

/// How a list-valued query parameter (`array<T>`, `T` a scalar) is written: OpenAPI's
/// `style = "form"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListFormat {
    /// `true` (the default): one `name=value` pair per item (`tag=a&tag=b`); `false`: one pair
    /// whose value is the items joined with commas (`tag=a,b`, form-encoded as `tag=a%2Cb`);
    /// an item containing a comma is then refused before sending. An empty list sends nothing.
    pub explode: bool,
}

/// One piece of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Literal text, `/` included.
    Literal(String),
    /// A `{name}` placeholder.
    Param(String),
}

/// The JSON body of a request.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    /// The model sent.
    pub model: String,
    /// Documentation.
    pub doc: String,
}

/// The success response of an endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// Success status code.
    pub status: u16,
    /// Decoded type; `None` when the response has no body to decode (`status = 204` with no
    /// `type`): the call returns `()` and ignores any body.
    pub ty: Option<TypeRef>,
    /// Documentation.
    pub doc: String,
    /// Where the response is declared.
    pub pos: Pos,
}

/// A documented request/response pair.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// Short title.
    pub title: String,
    /// HTTP status of the response.
    pub status: u16,
    /// Request body (JSON text), if any.
    pub request: Option<String>,
    /// Response body (JSON text), if any.
    pub response: Option<String>,
    /// Path parameter values used by the example.
    pub path_params: Vec<(String, String)>,
    /// Where the example is declared.
    pub pos: Pos,
}

/// One HTTP endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    /// snake_case name: the Rust function and the CLI subcommand.
    pub name: String,
    /// One-line summary.
    pub summary: String,
    /// Documentation.
    pub doc: String,
    /// HTTP method.
    pub method: Method,
    /// Path template, relative to the base URL (`/client/webhooks/{id}`).
    pub path: String,
    /// The template split into literals and parameters.
    pub segments: Vec<Segment>,
    /// Whether sending the request twice has the effect of sending it once.
    pub idempotent: bool,
    /// Path parameters, in path order.
    pub path_params: Vec<Param>,
    /// Query parameters.
    pub query: Vec<Param>,
    /// Extra request headers.
    pub headers: Vec<Param>,
    /// JSON request body.
    pub body: Option<Body>,
    /// Success response.
    pub response: Response,
    /// How the response is split into pages, if it is.
    pub pagination: Option<Pagination>,
    /// Examples.
    pub examples: Vec<Example>,
    /// What the emulator does (`[emulator]`); `None`: it answers with the first example.
    pub emulator: Option<Emulation>,
    /// The spec file's display path.
    pub file: Arc<str>,
    /// Where the endpoint file starts.
    pub pos: Pos,
}

/// How a list endpoint is paged (`[pagination]`): which query parameter selects a page, which
/// field of the response model holds the items, and how the next page is found.
#[derive(Debug, Clone, PartialEq)]
pub struct Pagination {
    /// The query parameter (wire name) carrying the page number or the cursor.
    pub param: String,
    /// The field of the response model (wire name) holding the page's items, an `array<T>`.
    pub items: String,
    /// Page numbers or cursors.
    pub style: PageStyle,
    /// Where `[pagination]` is declared.
    pub pos: Pos,
}

/// The two ways of finding the next page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageStyle {
    /// Numbered pages (`?page=2&per_page=50`): the next page is the response's `next`
    /// field when declared, else the current page plus one. The last page is the one whose
    /// `next` is null, whose number reaches `total_pages`, or that is empty.
    Page {
        /// The number of the first page (default 1).
        first_page: i64,
        /// Field (wire name) holding the next page's number, null on the last page.
        next: Option<String>,
        /// Field (wire name) holding the number of pages.
        total_pages: Option<String>,
    },
    /// Opaque cursors (`?cursor=abc`): the next page is asked for with the response's
    /// `next_cursor`; the last page is the one whose cursor is null, absent or empty, or that
    /// is empty.
    Cursor {
        /// Field (wire name) holding the cursor of the next page.
        next_cursor: String,
    },
}

impl PageStyle {
    /// `page` or `cursor`, as the spec writes it.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Page { .. } => "page",
            Self::Cursor { .. } => "cursor",
        }
    }
}

/// A collection the emulator keeps for an API (`[resources.<name>]` in the API file): items of
/// one model, keyed by an id field, seeded from the spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// snake_case name, what `[emulator] resource` refers to.
    pub name: String,
    /// The model of its items.
    pub model: String,
    /// The field holding each item's id (`id`); created items get 24 hex digits.
    pub id_field: String,
    /// The items it starts with (`seed`, a JSON array of the model, checked like an example).
    pub seed: Vec<serde_json::Value>,
    /// Field set to the time of a create (`created`), if any: RFC 3339 for a `datetime`,
    /// seconds for `unix_seconds`.
    pub created_field: Option<String>,
    /// Field set to the time of every change (`updated`), if any.
    pub updated_field: Option<String>,
    /// Values a create fills in when the body does not give them (`defaults`, a JSON object).
    pub defaults: serde_json::Map<String, serde_json::Value>,
    /// Fields no two items may share: a create or change that would is a 409 (`unique`).
    pub unique: Vec<String>,
    /// The message of a 404 for an unknown id (`not_found`; default `<name> not found`).
    pub not_found: String,
    /// Where it is declared.
    pub pos: Pos,
}

/// What the emulator does on one operation of a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Every item matching the filters.
    List,
    /// One item by id.
    Get,
    /// A new item from the body (generated id, timestamps, defaults).
    Create,
    /// Every field of the body model replaced from the body (absent optional ones removed).
    Replace,
    /// The fields the body gives, set.
    Update,
    /// The item removed.
    Delete,
    /// The fields named in `set`, set from the body.
    Action,
}

impl Operation {
    /// The spec's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::List => "list",
            Self::Get => "get",
            Self::Create => "create",
            Self::Replace => "replace",
            Self::Update => "update",
            Self::Delete => "delete",
            Self::Action => "action",
        }
    }

    /// Every operation, in the spec's spelling.
    pub const ALL: [Operation; 7] = [
        Self::List,
        Self::Get,
        Self::Create,
        Self::Replace,
        Self::Update,
        Self::Delete,
        Self::Action,
    ];

    /// Whether the operation addresses one item (needs `id_param`).
    pub fn addresses_one(self) -> bool {
        !matches!(self, Self::List | Self::Create)
    }
}

/// How list items differ from the items themselves (`[emulator.list_view]`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListView {
    /// Fields shown as `null` (`nulls`).
    pub nulls: Vec<String>,
    /// Fields shown under another wire name, `(field, name)` (`rename`).
    pub rename: Vec<(String, String)>,
    /// Fields shown with a fixed value, `(field, JSON value)` (`set`).
    pub set: Vec<(String, serde_json::Value)>,
}

/// An endpoint's declared emulator behaviour (`[emulator]`): an operation on a resource, a
/// named effect written in Rust, or both (the effect then runs with the resource).
#[derive(Debug, Clone, PartialEq)]
pub struct Emulation {
    /// The resource operated on.
    pub resource: Option<String>,
    /// The operation.
    pub op: Option<Operation>,
    /// The path parameter holding the item's id.
    pub id_param: Option<String>,
    /// `(field, parameter)`: only items whose field equals the path or query parameter.
    pub filters: Vec<(String, String)>,
    /// `(field, body field)`: what an `action` sets.
    pub set: Vec<(String, String)>,
    /// `(resource, path parameter)`: an item that must exist (else its 404) first.
    pub parent: Option<(String, String)>,
    /// A list answered inside the endpoint's first example, under this key (`items_field`).
    pub items_field: Option<String>,
    /// How list items are shown.
    pub list_view: ListView,
    /// A fixed response body instead of the item (`response`, JSON; e.g. a delete's message).
    pub response: Option<serde_json::Value>,
    /// A named effect implemented by the emulator in Rust (`effect`).
    pub effect: Option<String>,
    /// `(field path, parameter)`: only items whose time at the dotted field path lies within
    /// the `time_range` query parameter, both ends included (`in_range`).
    pub in_range: Vec<(String, String)>,
    /// How a list with `[pagination]` is paged (`[emulator.paging]`); a paginated list
    /// without it pages by [`Paging::DEFAULT_SIZE`] with no size parameter.
    pub paging: Option<Paging>,
    /// Where `[emulator]` starts.
    pub pos: Pos,
}

/// What the emulator needs to serve pages beyond the endpoint's `[pagination]`
/// (`[emulator.paging]`): the page size, and the response fields it fills in.
#[derive(Debug, Clone, PartialEq)]
pub struct Paging {
    /// The integer query parameter with the page size (`size_param`), if any.
    pub size_param: Option<String>,
    /// The page size when the request gives none (`default_size`, default
    /// [`Paging::DEFAULT_SIZE`]).
    pub default_size: i64,
    /// The largest page size a request may ask for (`max_size`); a larger one is a 400.
    pub max_size: Option<i64>,
    /// Response field set to the number of items in all pages (`total`).
    pub total: Option<String>,
    /// Response field set to this page's number (`page`; page style only).
    pub page: Option<String>,
    /// Response field set to the page size used (`size`).
    pub size: Option<String>,
    /// Response field set to the previous page's number, null on the first (`prev`; page
    /// style only).
    pub prev: Option<String>,
    /// Where `[emulator.paging]` starts.
    pub pos: Pos,
}

impl Paging {
    /// The page size of a paginated list that declares none.
    pub const DEFAULT_SIZE: i64 = 20;
}
