//! `[pagination]` against what it names: a query parameter of the endpoint and fields of its
//! response model, each of the type the generated stream needs.

use super::State;
use crate::diag::Diagnostic;
use crate::model::*;

/// Checks an endpoint's `[pagination]`, once every model is known.
pub(super) fn check_pagination(st: &mut State, ep: &Endpoint) {
    let Some(pg) = &ep.pagination else {
        return;
    };
    let mut problems: Vec<String> = Vec::new();
    match ep.query.iter().find(|q| q.name == pg.param) {
        None => problems.push(format!(
            "`pagination.param` names `{}`, which is not a query parameter of `{}`",
            pg.param, ep.name
        )),
        Some(q) => match &pg.style {
            PageStyle::Page { .. } if q.ty != TypeRef::Integer => problems.push(format!(
                "the page parameter `{}` must have type `integer`, not `{}`",
                q.name, q.ty
            )),
            PageStyle::Cursor { .. } if q.ty != TypeRef::String || !q.optional => {
                problems.push(format!(
                    "the cursor parameter `{}` must be an optional `string` (the first page is asked for without it)",
                    q.name
                ))
            }
            _ => {}
        },
    }
    if !ep.idempotent {
        problems.push(format!(
            "a paginated endpoint sends one request per page and must be idempotent; `{} {}` is not (set `idempotent = true` if it is)",
            ep.method, ep.path
        ));
    }
    let model = match &ep.response.ty {
        Some(TypeRef::Model(name)) => st.models.iter().find(|m| &m.name == name),
        _ => None,
    };
    let Some(model) = model else {
        problems.push(
            "a paginated endpoint's `response.type` must be a model holding the page's items"
                .to_owned(),
        );
        report(st, pg, problems);
        return;
    };
    let field = |name: &str| model.fields.iter().find(|f| f.name == name);
    match field(&pg.items) {
        Some(f) if matches!(f.ty, TypeRef::Array(_)) && model.group_of(&f.name).is_none() => {}
        Some(f) => problems.push(format!(
            "`pagination.items` names `{}.{}`, which must be an `array<T>` (not in a one-of group), not `{}`",
            model.name, f.name, f.ty
        )),
        None => problems.push(format!(
            "`pagination.items` names `{}`, which is not a field of `{}`",
            pg.items, model.name
        )),
    }
    let mut expect = |key: &str, name: &str, ty: TypeRef, must_be_option: bool| match field(name) {
        Some(f)
            if f.ty == ty
                && (!must_be_option || f.is_option())
                && model.group_of(&f.name).is_none() => {}
        Some(f) => problems.push(format!(
            "`pagination.{key}` names `{}.{}`, which must be {}`{ty}`, not `{}`",
            model.name,
            f.name,
            if must_be_option {
                "an optional or nullable "
            } else {
                ""
            },
            f.ty
        )),
        None => problems.push(format!(
            "`pagination.{key}` names `{name}`, which is not a field of `{}`",
            model.name
        )),
    };
    match &pg.style {
        PageStyle::Page {
            next, total_pages, ..
        } => {
            if let Some(n) = next {
                expect("next", n, TypeRef::Integer, true);
            }
            if let Some(t) = total_pages {
                expect("total_pages", t, TypeRef::Integer, false);
            }
        }
        PageStyle::Cursor { next_cursor } => {
            expect("next_cursor", next_cursor, TypeRef::String, true);
        }
    }
    report(st, pg, problems);
}

fn report(st: &mut State, pg: &Pagination, problems: Vec<String>) {
    st.diags.extend(
        problems
            .into_iter()
            .map(|m| Diagnostic::new(pg.pos.clone(), m)),
    );
}
