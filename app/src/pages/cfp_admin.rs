//! The organizers' CfP page (`/e/:id/cfp/edit`): the call itself, session types, tracks,
//! extra questions, review categories, reviewers and the decision mails. Each part is its own
//! small form that works without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{
    AssignReviewer, CfpAdminView, DeleteCfpItem, QuestionLine, RemoveReviewer, SaveCfp, SaveCfpQuestion,
    SaveDecisionTemplate, SaveReviewCategory, SaveSessionType, SaveTrack, SessionTypeLine, cfp_admin_page,
};
use crate::boot::{t, use_boot, use_lang};
use crate::components::{Field, FieldError, FormError, LoginRequired, Submit, TextArea, errors_of};
use crate::pages::event::event_id;
use crate::pages::query;
use crate::review_texts::review_texts;

#[component]
pub fn CfpAdminPage() -> impl IntoView {
    let tx = t();
    if use_boot().user.is_none() {
        return view! { <LoginRequired/> }.into_any();
    }
    let data = Resource::new(event_id, cfp_admin_page);
    view! {
        <Suspense fallback=move || view! { <p>{tx.loading}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(v) => cfp_view(v).into_any(),
                    Err(_) => view! { <section class="card"><p>{tx.forbidden_body}</p></section> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

fn delete_button(
    action: ServerAction<DeleteCfpItem>,
    event_id: i64,
    what: &'static str,
    id: i64,
    label: &'static str,
) -> impl IntoView {
    view! {
        <ActionForm action=action attr:class="inline">
            <input type="hidden" name="event_id" value=event_id/>
            <input type="hidden" name="what" value=what/>
            <input type="hidden" name="id" value=id/>
            <button type="submit" class="link">{label}</button>
        </ActionForm>
    }
}

/// The "Edit" link of a list item: a full page load of `?edit=<what>-<id>`, which shows that
/// item's form in place of its line (one edit form at a time, so its errors are unambiguous).
fn edit_link(what: &'static str, id: i64, anchor: &'static str, label: &'static str) -> impl IntoView {
    view! { <a rel="external" class="link" href=format!("?edit={what}-{id}#{anchor}")>{label}</a> }
}

/// The item being edited, from `?edit=<what>-<id>`.
fn editing() -> Option<(String, i64)> {
    let raw = query("edit");
    let (what, id) = raw.split_once('-')?;
    Some((what.to_owned(), id.parse().ok()?))
}

/// The kind of an extra question (text or choice), `selected` chosen.
fn kind_select(field: &'static str, selected: String) -> impl IntoView {
    let rt = review_texts(use_lang());
    view! {
        <div class="field">
            <label for=field>{rt.kind}</label>
            <select id=field name="kind">
                {["text", "choice"].into_iter().map(|k| view! {
                    <option value=k selected=k == selected>{rt.kind_word(k)}</option>
                }).collect_view()}
            </select>
        </div>
    }
}

/// The hidden fields and buttons every add / edit form of a list shares: "Add" for a new
/// item; "Save" and "Cancel" (back to the list at `anchor`) for item `item_id`.
fn item_form_parts(
    event_id: i64,
    item_id: Option<i64>,
    anchor: &'static str,
    pending: Memo<bool>,
) -> (impl IntoView, impl IntoView) {
    let rt = review_texts(use_lang());
    let tx = t();
    let hidden = view! {
        <input type="hidden" name="event_id" value=event_id/>
        {item_id.map(|i| view! { <input type="hidden" name="id" value=i/> })}
    };
    let buttons = match item_id {
        Some(_) => view! {
            <Submit label=tx.save pending/> " "
            <a class="link" rel="external" href=format!("/e/{event_id}/cfp/edit#{anchor}")>{rt.cancel_edit}</a>
        }
        .into_any(),
        None => view! { <Submit label=tx.add pending/> }.into_any(),
    };
    (hidden, buttons)
}

/// Field names (and element ids) of an edit form, or of a list's add form (`prefix_…`).
fn fields<const N: usize>(
    editing: bool,
    edit: [&'static str; N],
    add: [&'static str; N],
) -> [&'static str; N] {
    if editing { edit } else { add }
}

fn type_form(
    action: ServerAction<SaveSessionType>,
    event_id: i64,
    item: Option<SessionTypeLine>,
) -> impl IntoView {
    let (rt, tx) = (review_texts(use_lang()), t());
    let errors = errors_of(action.value());
    let [name_f, minutes_f, deadline_f] = fields(
        item.is_some(),
        ["edit_name", "edit_minutes", "edit_deadline"],
        ["type_name", "type_minutes", "type_deadline"],
    );
    let (hidden, buttons) = item_form_parts(event_id, item.as_ref().map(|s| s.id), "types", action.pending());
    let (name, minutes, deadline) = item.map_or((String::new(), "40".to_owned(), String::new()), |s| {
        (s.name, s.minutes.to_string(), s.deadline)
    });
    view! {
        <ActionForm action attr:novalidate=true>
            <FormError errors/>
            {hidden}
            <Field label=tx.name name="name" field=name_f value=name errors/>
            <Field label=rt.minutes name="minutes" field=minutes_f kind="number" value=minutes errors/>
            <Field label=rt.own_deadline name="deadline" field=deadline_f kind="datetime-local" value=deadline errors hint=rt.own_deadline_hint/>
            {buttons}
        </ActionForm>
    }
}

fn track_form(
    action: ServerAction<SaveTrack>,
    event_id: i64,
    item: Option<(i64, String, String)>,
) -> impl IntoView {
    let (rt, tx) = (review_texts(use_lang()), t());
    let errors = errors_of(action.value());
    let [name_f, colour_f] = fields(
        item.is_some(),
        ["edit_name", "edit_colour"],
        ["track_name", "track_colour"],
    );
    let (hidden, buttons) = item_form_parts(event_id, item.as_ref().map(|t| t.0), "tracks", action.pending());
    let (name, colour) = item.map_or((String::new(), "#3366cc".to_owned()), |t| (t.1, t.2));
    view! {
        <ActionForm action attr:novalidate=true>
            <FormError errors/>
            {hidden}
            <Field label=tx.name name="name" field=name_f value=name errors/>
            <Field label=rt.colour name="colour" field=colour_f value=colour errors hint=rt.colour_hint/>
            {buttons}
        </ActionForm>
    }
}

fn question_form(
    action: ServerAction<SaveCfpQuestion>,
    event_id: i64,
    item: Option<QuestionLine>,
) -> impl IntoView {
    let rt = review_texts(use_lang());
    let errors = errors_of(action.value());
    let [prompt_f, kind_f, options_f] = fields(
        item.is_some(),
        ["edit_prompt", "edit_kind", "edit_options"],
        ["question_prompt", "question_kind", "question_options"],
    );
    let (hidden, buttons) = item_form_parts(
        event_id,
        item.as_ref().map(|q| q.id),
        "questions",
        action.pending(),
    );
    let (prompt, kind, options, required) = item
        .map_or((String::new(), "text".to_owned(), String::new(), false), |q| {
            (q.prompt, q.kind, q.options.join("\n"), q.required)
        });
    view! {
        <ActionForm action attr:novalidate=true>
            <FormError errors/>
            {hidden}
            <Field label=rt.prompt name="prompt" field=prompt_f value=prompt errors/>
            {kind_select(kind_f, kind)}
            <TextArea label=rt.options name="options" field=options_f value=options errors rows=3/>
            <small class="hint">{rt.options_hint}</small>
            <label class="check"><input type="checkbox" name="required" value="on" checked=required/> {rt.required}</label>
            {buttons}
        </ActionForm>
    }
}

fn category_form(
    action: ServerAction<SaveReviewCategory>,
    event_id: i64,
    item: Option<(i64, String, i64)>,
) -> impl IntoView {
    let (rt, tx) = (review_texts(use_lang()), t());
    let errors = errors_of(action.value());
    let [name_f, weight_f] = fields(
        item.is_some(),
        ["edit_name", "edit_weight"],
        ["category_name", "category_weight"],
    );
    let (hidden, buttons) = item_form_parts(
        event_id,
        item.as_ref().map(|c| c.0),
        "categories",
        action.pending(),
    );
    let (name, weight) = item.map_or((String::new(), "1".to_owned()), |c| (c.1, c.2.to_string()));
    view! {
        <ActionForm action attr:novalidate=true>
            <FormError errors/>
            {hidden}
            <Field label=tx.name name="name" field=name_f value=name errors/>
            <Field label=rt.weight name="weight" field=weight_f kind="number" value=weight errors hint=rt.weight_hint/>
            {buttons}
        </ActionForm>
    }
}

fn cfp_view(v: CfpAdminView) -> impl IntoView {
    let rt = review_texts(use_lang());
    let tx = t();
    let id = v.event_id;
    let save = ServerAction::<SaveCfp>::new();
    let save_errors = errors_of(save.value());
    // Each list has its add form and (for the item in `?edit=`) an edit form, with actions
    // of their own so that a refusal shows next to the form that was sent.
    let (add_type, edit_type) = (
        ServerAction::<SaveSessionType>::new(),
        ServerAction::<SaveSessionType>::new(),
    );
    let (add_track, edit_track) = (ServerAction::<SaveTrack>::new(), ServerAction::<SaveTrack>::new());
    let (add_question, edit_question) = (
        ServerAction::<SaveCfpQuestion>::new(),
        ServerAction::<SaveCfpQuestion>::new(),
    );
    let (add_category, edit_category) = (
        ServerAction::<SaveReviewCategory>::new(),
        ServerAction::<SaveReviewCategory>::new(),
    );
    let edit = editing();
    let is_edited = move |what: &str, item: i64| edit.as_ref().is_some_and(|(w, i)| w == what && *i == item);
    let assign = ServerAction::<AssignReviewer>::new();
    let assign_errors = errors_of(assign.value());
    let remove = ServerAction::<RemoveReviewer>::new();
    let remove_errors = errors_of(remove.value());
    let delete = ServerAction::<DeleteCfpItem>::new();
    let delete_errors = errors_of(delete.value());
    let template = ServerAction::<SaveDecisionTemplate>::new();
    let template_errors = errors_of(template.value());
    let has = |list: &[String], code: &str| list.iter().any(|c| c == code);
    let tracks = v.tracks.clone();
    view! {
        <Title text=rt.cfp_settings/>
        <section class="card" id="cfp">
            <p><a href=format!("/e/{id}")>{v.event_title.clone()}</a> " · " <a href=format!("/e/{id}/talks")>{rt.dashboard}</a></p>
            <h1>{rt.cfp_settings}</h1>
            {(!v.has_cfp).then(|| view! { <p class="muted">{rt.no_cfp_yet}</p> })}
            <FormError errors=delete_errors/>
            <ActionForm action=save attr:novalidate=true>
                <FormError errors=save_errors/>
                <input type="hidden" name="event_id" value=id/>
                <Field label=rt.opens_at name="opens_at" kind="datetime-local" value=v.opens_at.clone() errors=save_errors hint=rt.local_time_hint/>
                <Field label=rt.closes_at name="closes_at" kind="datetime-local" value=v.closes_at.clone() errors=save_errors/>
                <p class="muted">{tx.time_zone} ": " {v.time_zone.clone()}</p>
                <TextArea label=tx.description name="description" value=v.description.clone() errors=save_errors rows=6/>
                <fieldset class="field">
                    <legend>{rt.languages}</legend>
                    <label class="check"><input type="checkbox" name="lang_en" value="on" checked=has(&v.languages, "en")/> "English"</label>
                    <label class="check"><input type="checkbox" name="lang_ru" value="on" checked=has(&v.languages, "ru")/> "Русский"</label>
                    <FieldError errors=save_errors field="languages"/>
                </fieldset>
                <fieldset class="field">
                    <legend>{rt.levels}</legend>
                    {crate::talk_texts::talk_texts(use_lang()).levels.iter().map(|(code, word)| view! {
                        <label class="check"><input type="checkbox" name=format!("level_{code}") value="on" checked=has(&v.levels, code)/> {*word}</label>
                    }).collect_view()}
                    <FieldError errors=save_errors field="levels"/>
                </fieldset>
                <label class="check"><input type="checkbox" name="anonymous_review" value="on" checked=v.anonymous_review/> {rt.anonymous_review}</label>
                <label class="check"><input type="checkbox" name="late_edits" value="on" checked=v.late_edits/> {rt.late_edits}</label>
                <Field label=rt.confirm_days name="confirm_days" kind="number" value=v.confirm_days.to_string() errors=save_errors/>
                <Submit label=rt.save_cfp pending=save.pending()/>
            </ActionForm>
        </section>

        <section class="card" id="types">
            <h2>{rt.session_types}</h2>
            <ul>
                {v.session_types.into_iter().map(|s| if is_edited("type", s.id) {
                    view! { <li>{type_form(edit_type, id, Some(s))}</li> }.into_any()
                } else {
                    view! {
                        <li>
                            {format!("{} — {} min", s.name, s.minutes)}
                            {(!s.deadline.is_empty()).then(|| format!(" · {} {}", rt.deadline, s.deadline.replace('T', " ")))}
                            " " {edit_link("type", s.id, "types", rt.edit)}
                            " " {delete_button(delete, id, "session_type", s.id, rt.delete)}
                        </li>
                    }.into_any()
                }).collect_view()}
            </ul>
            {type_form(add_type, id, None)}
        </section>

        <section class="card" id="tracks">
            <h2>{rt.tracks}</h2>
            <ul>
                {v.tracks.into_iter().map(|(tid, name, colour)| if is_edited("track", tid) {
                    view! { <li>{track_form(edit_track, id, Some((tid, name, colour)))}</li> }.into_any()
                } else {
                    view! {
                        <li>
                            <span class="swatch" style=format!("background:{colour}")></span> " " {name.clone()} " " <code>{colour.clone()}</code>
                            " " {edit_link("track", tid, "tracks", rt.edit)}
                            " " {delete_button(delete, id, "track", tid, rt.delete)}
                        </li>
                    }.into_any()
                }).collect_view()}
            </ul>
            {track_form(add_track, id, None)}
        </section>

        <section class="card" id="questions">
            <h2>{rt.questions}</h2>
            <ul>
                {v.questions.into_iter().map(|q| if is_edited("question", q.id) {
                    view! { <li>{question_form(edit_question, id, Some(q))}</li> }.into_any()
                } else {
                    view! {
                        <li>
                            {q.prompt.clone()}
                            <span class="muted">{format!(" ({}{})", rt.kind_word(&q.kind), if q.required { format!(", {}", rt.required) } else { String::new() })}</span>
                            {(!q.options.is_empty()).then(|| format!(": {}", q.options.join(" / ")))}
                            " " {edit_link("question", q.id, "questions", rt.edit)}
                            " " {delete_button(delete, id, "question", q.id, rt.delete)}
                        </li>
                    }.into_any()
                }).collect_view()}
            </ul>
            {question_form(add_question, id, None)}
        </section>

        <section class="card" id="categories">
            <h2>{rt.categories}</h2>
            <ul>
                {v.categories.into_iter().map(|(cid, name, weight)| if is_edited("category", cid) {
                    view! { <li>{category_form(edit_category, id, Some((cid, name, weight)))}</li> }.into_any()
                } else {
                    view! {
                        <li>
                            {format!("{name} — {} {weight}", rt.weight)}
                            " " {edit_link("category", cid, "categories", rt.edit)}
                            " " {delete_button(delete, id, "category", cid, rt.delete)}
                        </li>
                    }.into_any()
                }).collect_view()}
            </ul>
            {category_form(add_category, id, None)}
        </section>

        <section class="card" id="reviewers">
            <h2>{rt.reviewers}</h2>
            <FormError errors=remove_errors/>
            <ul>
                {v.reviewers.into_iter().map(|r| view! {
                    <li>
                        {format!("{} <{}>", r.name, r.email)}
                        <span class="muted">{if r.tracks.is_empty() { format!(" · {}", rt.all_tracks) } else { format!(" · {}", r.tracks.join(", ")) }}</span>
                        <ActionForm action=remove attr:class="inline">
                            <input type="hidden" name="event_id" value=id/>
                            <input type="hidden" name="user_id" value=r.user_id/>
                            " " <button type="submit" class="link">{rt.remove}</button>
                        </ActionForm>
                    </li>
                }).collect_view()}
            </ul>
            <ActionForm action=assign attr:novalidate=true>
                <FormError errors=assign_errors/>
                <input type="hidden" name="event_id" value=id/>
                <Field label=rt.reviewer_email name="email" field="reviewer_email" kind="email" errors=assign_errors/>
                {(!tracks.is_empty()).then(|| view! {
                    <fieldset class="field">
                        <legend>{rt.limit_to_tracks}</legend>
                        {tracks.iter().map(|(tid, name, _)| view! {
                            <label class="check"><input type="checkbox" name=format!("tracks[{tid}]") value="on"/> {name.clone()}</label>
                        }).collect_view()}
                        <FieldError errors=assign_errors field="reviewer_track_ids"/>
                    </fieldset>
                })}
                <Submit label=rt.assign pending=assign.pending()/>
            </ActionForm>
        </section>

        <section class="card" id="templates">
            <h2>{rt.decision_mails}</h2>
            <p class="muted">{rt.placeholders} ": " <code>{v.placeholders.join(" ")}</code></p>
            <p class="muted">{rt.templates_hint}</p>
            {v.templates.into_iter().map(|tl| {
                let (subject_field, body_field, heading): (&'static str, &'static str, &'static str) = if tl.decision == "accept" {
                    ("accept_subject", "accept_body", rt.accepted_mail)
                } else {
                    ("reject_subject", "reject_body", rt.rejected_mail)
                };
                view! {
                    <h3>{heading}</h3>
                    <ActionForm action=template attr:novalidate=true>
                        <input type="hidden" name="event_id" value=id/>
                        <input type="hidden" name="decision" value=tl.decision.clone()/>
                        <Field label=rt.subject name="subject" field=subject_field value=tl.subject errors=template_errors/>
                        <TextArea label=rt.body name="body" field=body_field value=tl.body errors=template_errors rows=6/>
                        <Submit label=tx.save pending=template.pending()/>
                    </ActionForm>
                }
            }).collect_view()}
            <FormError errors=template_errors/>
        </section>
    }
}
