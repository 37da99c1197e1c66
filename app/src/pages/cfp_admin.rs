//! The organizers' CfP page (`/e/:id/cfp/edit`): the call itself, session types, tracks,
//! extra questions, review categories, reviewers and the decision mails. Each part is its own
//! small form that works without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{
    AddCfpQuestion, AddReviewCategory, AddSessionType, AddTrack, AssignReviewer, CfpAdminView, DeleteCfpItem,
    RemoveReviewer, SaveCfp, SaveDecisionTemplate, cfp_admin_page,
};
use crate::boot::{t, use_boot, use_lang};
use crate::components::{Field, FieldError, FormError, LoginRequired, Submit, TextArea, errors_of};
use crate::pages::event::event_id;
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

fn cfp_view(v: CfpAdminView) -> impl IntoView {
    let rt = review_texts(use_lang());
    let tx = t();
    let id = v.event_id;
    let save = ServerAction::<SaveCfp>::new();
    let save_errors = errors_of(save.value());
    let add_type = ServerAction::<AddSessionType>::new();
    let type_errors = errors_of(add_type.value());
    let add_track = ServerAction::<AddTrack>::new();
    let track_errors = errors_of(add_track.value());
    let add_question = ServerAction::<AddCfpQuestion>::new();
    let question_errors = errors_of(add_question.value());
    let add_category = ServerAction::<AddReviewCategory>::new();
    let category_errors = errors_of(add_category.value());
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
                {v.session_types.iter().map(|s| view! {
                    <li>
                        {format!("{} — {} min", s.name, s.minutes)}
                        {(!s.deadline.is_empty()).then(|| format!(" · {} {}", rt.deadline, s.deadline.replace('T', " ")))}
                        " " {delete_button(delete, id, "session_type", s.id, rt.delete)}
                    </li>
                }).collect_view()}
            </ul>
            <ActionForm action=add_type attr:novalidate=true>
                <FormError errors=type_errors/>
                <input type="hidden" name="event_id" value=id/>
                <Field label=tx.name name="name" field="type_name" errors=type_errors/>
                <Field label=rt.minutes name="minutes" field="type_minutes" kind="number" value="40" errors=type_errors/>
                <Field label=rt.own_deadline name="deadline" field="type_deadline" kind="datetime-local" errors=type_errors hint=rt.own_deadline_hint/>
                <Submit label=tx.add pending=add_type.pending()/>
            </ActionForm>
        </section>

        <section class="card" id="tracks">
            <h2>{rt.tracks}</h2>
            <ul>
                {v.tracks.iter().map(|(tid, name, colour)| view! {
                    <li>
                        <span class="swatch" style=format!("background:{colour}")></span> " " {name.clone()} " " <code>{colour.clone()}</code>
                        " " {delete_button(delete, id, "track", *tid, rt.delete)}
                    </li>
                }).collect_view()}
            </ul>
            <ActionForm action=add_track attr:novalidate=true>
                <FormError errors=track_errors/>
                <input type="hidden" name="event_id" value=id/>
                <Field label=tx.name name="name" field="track_name" errors=track_errors/>
                <Field label=rt.colour name="colour" field="track_colour" value="#3366cc" errors=track_errors hint=rt.colour_hint/>
                <Submit label=tx.add pending=add_track.pending()/>
            </ActionForm>
        </section>

        <section class="card" id="questions">
            <h2>{rt.questions}</h2>
            <ul>
                {v.questions.iter().map(|q| view! {
                    <li>
                        {q.prompt.clone()}
                        <span class="muted">{format!(" ({}{})", rt.kind_word(&q.kind), if q.required { format!(", {}", rt.required) } else { String::new() })}</span>
                        {(!q.options.is_empty()).then(|| format!(": {}", q.options.join(" / ")))}
                        " " {delete_button(delete, id, "question", q.id, rt.delete)}
                    </li>
                }).collect_view()}
            </ul>
            <ActionForm action=add_question attr:novalidate=true>
                <FormError errors=question_errors/>
                <input type="hidden" name="event_id" value=id/>
                <Field label=rt.prompt name="prompt" field="question_prompt" errors=question_errors/>
                <div class="field">
                    <label for="question_kind">{rt.kind}</label>
                    <select id="question_kind" name="kind">
                        <option value="text">{rt.kind_word("text")}</option>
                        <option value="choice">{rt.kind_word("choice")}</option>
                    </select>
                </div>
                <TextArea label=rt.options name="options" field="question_options" errors=question_errors rows=3/>
                <small class="hint">{rt.options_hint}</small>
                <label class="check"><input type="checkbox" name="required" value="on"/> {rt.required}</label>
                <Submit label=tx.add pending=add_question.pending()/>
            </ActionForm>
        </section>

        <section class="card" id="categories">
            <h2>{rt.categories}</h2>
            <ul>
                {v.categories.iter().map(|(cid, name, weight)| view! {
                    <li>{format!("{name} — {} {weight}", rt.weight)} " " {delete_button(delete, id, "category", *cid, rt.delete)}</li>
                }).collect_view()}
            </ul>
            <ActionForm action=add_category attr:novalidate=true>
                <FormError errors=category_errors/>
                <input type="hidden" name="event_id" value=id/>
                <Field label=tx.name name="name" field="category_name" errors=category_errors/>
                <Field label=rt.weight name="weight" field="category_weight" kind="number" value="1" errors=category_errors hint=rt.weight_hint/>
                <Submit label=tx.add pending=add_category.pending()/>
            </ActionForm>
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
