//! Talk pages for speakers and the public: an event's CfP and its programme, the submission
//! form, "My talks", a speaker's talk page with its actions and co-speakers, the invitation
//! link's page, the speaker profile, the community's talk pool, and the public talk and
//! speaker pages. Every form is a plain HTML form that works without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{
    AcceptTalkInvitation, CreateTalk, EventTalksView, InviteCoSpeaker, MoveTalk, PoolItem, PoolView,
    ProfileView, ProposeTalk, PublicSpeakerView, PublicTalkView, RemoveCoSpeaker, SaveSpeakerProfile,
    SetTalkMaterials, TalkAction, TalkFormView, TalkLimits, TalkValues, TalkView, UpdateTalk, cfp_page,
    events_to_review, my_talks, pool_page, public_talk_page, speaker_page, speaker_profile, talk_invitation,
    talk_page,
};
use crate::boot::{t, use_boot, use_lang};
use crate::components::{Field, FormError, FormErrors, LoginRequired, Submit, TextArea, errors_of};
use crate::i18n;
use crate::pages::errors::{NotFoundPage, failed};
use crate::pages::{id_param, param};
use crate::review_texts::review_texts;
use crate::talk_texts::talk_texts;

/// The error under a hand-made control (selects, question groups).
fn error_for(errors: FormErrors, key: &'static str) -> impl IntoView + use<> {
    let lang = use_lang();
    view! {
        <p class="field-error" id=format!("{key}-error") role="alert">
            {move || {
                errors
                    .get()
                    .filter(|e| e.field() == Some(key))
                    .map(|e| i18n::error_message(lang, e.code()))
            }}
        </p>
    }
}

// ---------------------------------------------------------------------------------------------
// Event page: CfP status and programme

/// The talks part of an event page: the CfP's status with a link to it, and the confirmed
/// talks with their speakers.
pub(crate) fn event_talks_view(event_id: i64, v: EventTalksView) -> impl IntoView {
    let tt = talk_texts(use_lang());
    let cfp = v.cfp_status.clone().map(|status| {
        let text = match status.as_str() {
            "open" => tt.cfp_open,
            "not_open_yet" => tt.cfp_not_open_yet,
            _ => tt.cfp_closed,
        };
        view! {
            <section class="card cfp-status" data-status=status.clone()>
                <h2>{tt.cfp}</h2>
                <p>{text}</p>
                <p class="muted">
                    {tt.opens} ": " {v.opens.clone()} " · " {tt.closes} ": " {v.closes.clone()}
                    " (" {v.time_zone.clone()} ")"
                </p>
                <div class="actions left">
                    <a class="button small" href=format!("/e/{event_id}/cfp")>
                        {if status == "open" { tt.submit_a_talk } else { tt.cfp }}
                    </a>
                    {v.reviewing.then(|| view! {
                        <a class="button small secondary" href=format!("/e/{event_id}/review")>{review_texts(use_lang()).queue}</a>
                    })}
                </div>
            </section>
        }
    });
    let has_schedule = v.has_schedule;
    let programme = (!v.talks.is_empty()).then(|| {
        view! {
            <section class="card programme">
                <h2>{tt.programme}</h2>
                {has_schedule.then(|| view! {
                    <p><a class="button small" href=format!("/e/{event_id}/schedule")>{crate::schedule_texts::schedule_texts(use_lang()).schedule}</a></p>
                })}
                <ul class="talk-list">
                    {v.talks.into_iter().map(talk_line).collect_view()}
                </ul>
            </section>
        }
    });
    view! { {cfp} {programme} }
}

fn talk_line(p: PublicTalkView) -> impl IntoView {
    view! {
        <li>
            <a href=format!("/talk/{}", p.id)>{p.title}</a>
            " — "
            {speaker_links(&p.speakers)}
        </li>
    }
}

fn speaker_links(speakers: &[PublicSpeakerView]) -> impl IntoView + use<> {
    speakers
        .iter()
        .enumerate()
        .map(|(i, s)| {
            view! {
                {(i > 0).then_some(", ")}
                <a href=format!("/speakers/{}", s.user_id)>{s.display_name.clone()}</a>
            }
        })
        .collect_view()
}

// ---------------------------------------------------------------------------------------------
// The talk form

/// The fields of a talk form; the CfP's choices and questions when `form` has any.
fn talk_fields(
    errors: FormErrors,
    form: TalkFormView,
    limits: TalkLimits,
    v: TalkValues,
) -> impl IntoView + use<> {
    let tt = talk_texts(use_lang());
    let req = tt.required_mark;
    let with_event = !form.languages.is_empty();
    let select = |name: &'static str,
                  label: &'static str,
                  required: bool,
                  options: Vec<(String, String)>,
                  current: String| {
        view! {
            <div class="field">
                <label for=name>{label} {required.then_some(req)}</label>
                <select id=name name=name aria-describedby=format!("{name}-error")>
                    <option value="">{tt.none_chosen}</option>
                    {options.into_iter().map(|(value, text)| {
                        let selected = value == current;
                        view! { <option value=value selected=selected>{text}</option> }
                    }).collect_view()}
                </select>
                {error_for(errors, name)}
            </div>
        }
    };
    let event_fields = with_event.then(|| {
        view! {
            {(!form.session_types.is_empty()).then(|| select(
                "session_type_id",
                tt.session_type,
                true,
                form.session_types.iter().map(|s| (s.id.to_string(), format!("{} ({} {})", s.name, s.minutes, tt.minutes))).collect(),
                v.session_type_id.map(|i| i.to_string()).unwrap_or_default(),
            ))}
            {(!form.tracks.is_empty()).then(|| select(
                "track_id",
                tt.track,
                false,
                form.tracks.iter().map(|s| (s.id.to_string(), s.name.clone())).collect(),
                v.track_id.map(|i| i.to_string()).unwrap_or_default(),
            ))}
            {select(
                "language",
                tt.language,
                true,
                form.languages.iter().map(|l| (l.clone(), tt.language(l))).collect(),
                v.language.clone(),
            )}
            {select(
                "level",
                tt.level,
                false,
                form.levels.iter().map(|l| (l.clone(), tt.level(l))).collect(),
                v.level.clone(),
            )}
            <fieldset class="questions">
                {form.questions.iter().map(|q| {
                    let name = format!("answers[{}]", q.id);
                    let id = format!("answer-{}", q.id);
                    let current = v.answers.iter().find(|(i, _)| *i == q.id).map(|(_, a)| a.clone()).unwrap_or_default();
                    let control = if q.kind == "choice" {
                        view! {
                            <select id=id.clone() name=name>
                                <option value="">{tt.none_chosen}</option>
                                {q.options.iter().map(|o| view! {
                                    <option value=o.clone() selected=*o == current>{o.clone()}</option>
                                }).collect_view()}
                            </select>
                        }.into_any()
                    } else {
                        view! { <textarea id=id.clone() name=name rows=3>{current}</textarea> }.into_any()
                    };
                    view! {
                        <div class="field">
                            <label for=id>{q.prompt.clone()} {q.required.then_some(req)}</label>
                            {control}
                            {(q.kind != "choice").then(|| view! { <small class="hint">{tt.limit(limits.answer)}</small> })}
                        </div>
                    }
                }).collect_view()}
                {error_for(errors, "answers")}
            </fieldset>
        }
    });
    view! {
        <p class="muted">{tt.required_note}</p>
        <Field label=tt.title name="title" errors value=v.title required=true/>
        <small class="hint">{tt.limit(limits.title)}</small>
        <TextArea label=tt.summary name="summary" errors value=v.summary rows=4/>
        <small class="hint">{req} " " {tt.limit(limits.summary)}</small>
        <TextArea label=tt.description name="description" errors value=v.description rows=8/>
        <small class="hint">{tt.markdown_hint} " " {tt.limit(limits.description)}</small>
        <TextArea label=tt.notes name="notes" errors value=v.notes rows=3/>
        <small class="hint">{tt.notes_hint} " " {tt.limit(limits.notes)}</small>
        {event_fields}
    }
}

fn intent_buttons(pending: Memo<bool>) -> impl IntoView + use<> {
    let tt = talk_texts(use_lang());
    view! {
        <p class="actions left">
            <button type="submit" class="button secondary" name="intent" value="draft" disabled=move || pending.get()>{tt.save_draft}</button>
            <button type="submit" class="button" name="intent" value="submit" disabled=move || pending.get()>{tt.submit}</button>
        </p>
    }
}

// ---------------------------------------------------------------------------------------------
// /e/:id/cfp

#[component]
pub fn CfpPage() -> impl IntoView {
    let tx = t();
    let data = Resource::new(|| id_param("id"), cfp_page);
    view! {
        <Suspense fallback=move || view! { <p>{tx.loading}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(v) => cfp_view(v).into_any(),
                    Err(e) => failed(e),
                }
            })}
        </Suspense>
    }
}

fn cfp_view(v: crate::api::CfpView) -> impl IntoView {
    let tt = talk_texts(use_lang());
    let logged_in = use_boot().user.is_some();
    let create = ServerAction::<CreateTalk>::new();
    let errors = errors_of(create.value());
    let status_text = match v.status.as_str() {
        "open" => tt.cfp_open,
        "not_open_yet" => tt.cfp_not_open_yet,
        _ => tt.cfp_closed,
    };
    let (form, limits, event_id) = (v.form.clone(), v.limits, v.event_id);
    let values = v.kept.clone().unwrap_or_default();
    let form_part = match (v.status.as_str(), logged_in) {
        ("closed", _) => view! { <p class="form-error" role="status">{tt.closed_no_form}</p> }.into_any(),
        ("not_open_yet", _) => view! { <p class="muted">{tt.not_open_no_form}</p> }.into_any(),
        (_, false) => view! { <LoginRequired/> }.into_any(),
        (_, true) => view! {
            <ActionForm action=create attr:novalidate=true attr:class="talk-form">
                <input type="hidden" name="event_id" value=event_id/>
                {talk_fields(errors, form, limits, values)}
                {intent_buttons(create.pending())}
            </ActionForm>
        }
        .into_any(),
    };
    view! {
        <Title text=format!("{} {}", tt.call_for_papers_of, v.event_title)/>
        <section class="card">
            <p class="muted"><a href=format!("/c/{}", v.community_slug)>{v.community_name.clone()}</a></p>
            <h1>{tt.call_for_papers_of} " " <a href=format!("/e/{}", v.event_id)>{v.event_title.clone()}</a></h1>
            <p class="cfp-status" data-status=v.status.clone()>{status_text}</p>
            <p class="muted">{tt.opens} ": " {v.opens.clone()} " · " {tt.closes} ": " {v.closes.clone()} " (" {v.time_zone.clone()} ")"</p>
            <div class="markdown" inner_html=v.description_html.clone()></div>
            {(!v.form.session_types.is_empty()).then(|| view! {
                <h2>{tt.session_types}</h2>
                <ul>
                    {v.form.session_types.iter().map(|s| view! {
                        <li>
                            {format!("{} — {} {}", s.name, s.minutes, tt.minutes)}
                            {s.deadline.clone().map(|d| format!(" · {}: {d}", tt.deadline))}
                        </li>
                    }).collect_view()}
                </ul>
            })}
            {(!v.form.tracks.is_empty()).then(|| view! {
                <h2>{tt.tracks}</h2>
                <ul class="tracks">
                    {v.form.tracks.iter().map(|tr| view! {
                        <li><span class="swatch" style=format!("background:{}", tr.colour)></span> {tr.name.clone()}</li>
                    }).collect_view()}
                </ul>
            })}
        </section>
        <section class="card">
            <h2>{tt.your_proposal}</h2>
            <FormError errors/>
            {form_part}
        </section>
    }
}

// ---------------------------------------------------------------------------------------------
// /talks

#[component]
pub fn MyTalksPage() -> impl IntoView {
    let tx = t();
    if use_boot().user.is_none() {
        return view! { <LoginRequired/> }.into_any();
    }
    let tt = talk_texts(use_lang());
    let data = Resource::new(|| (), |_| my_talks());
    let reviewing = Resource::new(|| (), |_| events_to_review());
    view! {
        <Title text=tt.my_talks/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                reviewing.await.ok().filter(|list| !list.is_empty()).map(|list| {
                    let rt = review_texts(use_lang());
                    view! {
                        <section class="card to-review">
                            <h2>{rt.queue}</h2>
                            <ul>
                                {list.into_iter().map(|(id, title)| view! {
                                    <li><a href=format!("/e/{id}/review")>{title}</a></li>
                                }).collect_view()}
                            </ul>
                        </section>
                    }
                })
            })}
        </Suspense>
        <section class="card">
            <h1>{tt.my_talks}</h1>
            <p><a href="/profile/speaker">{tt.speaker_profile}</a></p>
            <Suspense fallback=move || view! { <p>{tx.loading}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(list) if list.is_empty() => view! { <p class="muted">{tt.no_talks}</p> }.into_any(),
                        Ok(list) => view! {
                            <div class="table-wrap"><table class="my-talks">
                                <thead><tr><th>{tt.title}</th><th>{tt.state}</th><th>{tt.event}</th><th>{tt.speakers}</th><th>{tt.history}</th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|m| view! {
                                        <tr data-state=m.state.clone()>
                                            <td><a href=format!("/talks/{}", m.id)>{m.title}</a></td>
                                            <td><span class="badge">{tt.state(&m.state)}</span></td>
                                            <td>{match m.event {
                                                Some((id, title)) => view! { <a href=format!("/e/{id}")>{title}</a> }.into_any(),
                                                None => view! { <span>{m.community_name} ", " {tt.talk_pool}</span> }.into_any(),
                                            }}</td>
                                            <td>{m.speakers.join(", ")}</td>
                                            <td><a href=format!("/talks/{}#history", m.id)>{format!("{} ({})", tt.history, m.history_count)}</a></td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table></div>
                        }.into_any(),
                        Err(e) => failed(e),
                    }
                })}
            </Suspense>
        </section>
    }
    .into_any()
}

// ---------------------------------------------------------------------------------------------
// /talks/:id

#[component]
pub fn TalkPage() -> impl IntoView {
    let tx = t();
    if use_boot().user.is_none() {
        return view! { <LoginRequired/> }.into_any();
    }
    let data = Resource::new(|| id_param("id"), talk_page);
    view! {
        <Suspense fallback=move || view! { <p>{tx.loading}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(v) => talk_view(v).into_any(),
                    Err(e) => failed(e),
                }
            })}
        </Suspense>
    }
    .into_any()
}

fn talk_view(v: TalkView) -> impl IntoView {
    let tt = talk_texts(use_lang());
    let me = use_boot().user.map(|u| u.id).unwrap_or(0);
    let update = ServerAction::<UpdateTalk>::new();
    let update_errors = errors_of(update.value());
    let act = ServerAction::<TalkAction>::new();
    let act_errors = errors_of(act.value());
    // A refused submit names the field to complete: shown next to it in the edit form.
    let fields_errors: FormErrors = Signal::derive(move || update_errors.get().or_else(|| act_errors.get()));
    let invite = ServerAction::<InviteCoSpeaker>::new();
    let invite_errors = errors_of(invite.value());
    let remove = ServerAction::<RemoveCoSpeaker>::new();
    let remove_errors = errors_of(remove.value());
    let materials = ServerAction::<SetTalkMaterials>::new();
    let materials_errors = errors_of(materials.value());
    let id = v.id;
    let i_own = v.speakers.iter().any(|s| s.owner && s.user_id == me);
    let values = TalkValues {
        title: v.title.clone(),
        summary: v.summary.clone(),
        description: v.description.clone(),
        notes: v.notes.clone(),
        session_type_id: v.session_type_id,
        track_id: v.track_id,
        language: v.language.clone(),
        level: v.level.clone(),
        answers: v.answers.clone(),
    };
    let final_state = matches!(v.state.as_str(), "rejected" | "withdrawn" | "cancelled");
    let (form, limits) = (v.form.clone(), v.limits);
    let (slides_url, recording_url) = (v.slides_url.clone(), v.recording_url.clone());
    let actions = v.actions.clone();
    let speakers = v.speakers.clone();
    let is_organizer = v.is_organizer;
    let show_materials = matches!(v.state.as_str(), "accepted" | "confirmed");
    view! {
        <Title text=v.title.clone()/>
        <section class="card talk" data-state=v.state.clone()>
            <p class="muted">
                {v.community_name.clone()} " · "
                {match v.event.clone() {
                    Some((eid, title)) => view! { <a href=format!("/e/{eid}")>{title}</a> }.into_any(),
                    None => view! { <a href=format!("/c/{}/pool", v.community_slug)>{tt.talk_pool}</a> }.into_any(),
                }}
            </p>
            <h1>{v.title.clone()}</h1>
            <p><span class="badge state">{tt.state(&v.state)}</span>
                {v.deadline.clone().map(|d| view! { <span class="muted">" · " {tt.deadline} ": " {d}</span> })}
            </p>
            {(v.is_organizer && !v.is_speaker).then(|| view! { <p class="muted">{tt.read_only_organizer}</p> })}
            <p class="summary">{v.summary.clone()}</p>
            <div class="markdown" inner_html=v.description_html.clone()></div>
            {(!actions.is_empty()).then(move || view! {
                <h2>{tt.actions}</h2>
                <FormError errors=act_errors/>
                <div class="actions left">
                    {actions.into_iter().map(|a| {
                        let label = tt.action(&a);
                        let class = if a == "withdraw" || a == "cancel" { "button small danger" } else { "button small" };
                        view! {
                            <ActionForm action=act attr:class="inline">
                                <input type="hidden" name="id" value=id/>
                                <input type="hidden" name="action" value=a/>
                                <button type="submit" class=class>{label}</button>
                            </ActionForm>
                        }
                    }).collect_view()}
                </div>
            })}
        </section>
        {(v.editable && v.is_speaker).then(move || view! {
            <section class="card">
                <h2>{tt.edit}</h2>
                <ActionForm action=update attr:novalidate=true attr:class="talk-form">
                    <FormError errors=update_errors/>
                    <input type="hidden" name="id" value=id/>
                    {talk_fields(fields_errors, form, limits, values)}
                    <Submit label=tt.save pending=update.pending()/>
                </ActionForm>
            </section>
        })}
        {(!v.editable && v.is_speaker && !final_state).then(|| view! {
            <section class="card"><p class="muted">{tt.edits_closed}</p></section>
        })}
        <section class="card">
            <h2>{tt.speakers}</h2>
            <FormError errors=remove_errors/>
            <ul class="speakers">
                {speakers.into_iter().map(|s| {
                    let can_remove = !s.owner && (i_own || is_organizer || s.user_id == me);
                    let user_id = s.user_id;
                    view! {
                        <li>
                            {s.display_name}
                            {s.owner.then(|| view! { " " <span class="badge">{tt.owner}</span> })}
                            {can_remove.then(|| view! {
                                <ActionForm action=remove attr:class="inline">
                                    <input type="hidden" name="talk_id" value=id/>
                                    <input type="hidden" name="user_id" value=user_id/>
                                    <button type="submit" class="link">{if user_id == me { tt.leave } else { tt.remove }}</button>
                                </ActionForm>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {(!v.invitations.is_empty()).then(|| view! {
                <h3>{tt.pending_invitations}</h3>
                <ul class="invitations">{v.invitations.iter().map(|e| view! { <li>{e.clone()}</li> }).collect_view()}</ul>
            })}
            {(!final_state).then(|| view! {
                <ActionForm action=invite attr:novalidate=true>
                    <FormError errors=invite_errors/>
                    <input type="hidden" name="talk_id" value=id/>
                    <Field label=tt.invite_co_speaker name="email" kind="email" errors=invite_errors/>
                    <Submit label=tt.invite pending=invite.pending()/>
                </ActionForm>
            })}
        </section>
        {show_materials.then(move || view! {
            <section class="card">
                <h2>{tt.materials}</h2>
                <ActionForm action=materials attr:novalidate=true>
                    <FormError errors=materials_errors/>
                    <input type="hidden" name="talk_id" value=id/>
                    <Field label=tt.slides name="slides_url" kind="url" errors=materials_errors value=slides_url/>
                    <Field label=tt.recording name="recording_url" kind="url" errors=materials_errors value=recording_url/>
                    <Submit label=tt.save pending=materials.pending()/>
                </ActionForm>
            </section>
        })}
        <section class="card" id="history">
            <h2>{tt.history}</h2>
            <ol class="history">
                {v.history.iter().map(|h| view! {
                    <li>
                        <time>{h.at.clone()}</time>
                        {format!(
                            " · {} · {}{} ({})",
                            h.actor,
                            h.from.as_deref().map(|f| format!("{} → ", tt.state(f))).unwrap_or_default(),
                            tt.state(&h.to),
                            tt.action(&h.action),
                        )}
                    </li>
                }).collect_view()}
            </ol>
        </section>
    }
}

// ---------------------------------------------------------------------------------------------
// /invitations/talk?token=…

#[component]
pub fn TalkInvitationPage() -> impl IntoView {
    let tx = t();
    let tt = talk_texts(use_lang());
    let lang = use_lang();
    let token = crate::pages::query("token");
    let logged_in = use_boot().user.is_some();
    let accept = ServerAction::<AcceptTalkInvitation>::new();
    let errors = errors_of(accept.value());
    let data = Resource::new(move || token.clone(), talk_invitation);
    let token = crate::pages::query("token");
    view! {
        <Title text=tt.invitation_title/>
        <section class="card narrow">
            <h1>{tt.invitation_title}</h1>
            <Suspense fallback=move || view! { <p>{tx.loading}</p> }>
                {move || {
                    let token = token.clone();
                    Suspend::new(async move {
                        match data.await {
                            Ok(v) => view! {
                                <p><strong>{v.inviter.clone()}</strong> " " {tt.invitation_body} " «" <strong>{v.talk_title.clone()}</strong> "»."</p>
                                <p class="muted">{tt.invited_as} " " {v.email.clone()}</p>
                                {match (v.problem.clone(), logged_in) {
                                    (Some(code), _) => view! { <p class="form-error" role="alert">{i18n::error_message(lang, &code)}</p> }.into_any(),
                                    (None, false) => view! { <p>{tt.log_in_as}</p> <LoginRequired/> }.into_any(),
                                    (None, true) => view! {
                                        <ActionForm action=accept>
                                            <FormError errors/>
                                            <input type="hidden" name="token" value=token/>
                                            <Submit label=tt.accept pending=accept.pending()/>
                                        </ActionForm>
                                    }.into_any(),
                                }}
                            }.into_any(),
                            Err(e) => view! { <p class="form-error" role="alert">{i18n::error_message(lang, e.code())}</p> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </section>
    }
}

// ---------------------------------------------------------------------------------------------
// /profile/speaker

#[component]
pub fn SpeakerProfilePage() -> impl IntoView {
    let tx = t();
    if use_boot().user.is_none() {
        return view! { <LoginRequired/> }.into_any();
    }
    let data = Resource::new(|| (), |_| speaker_profile());
    view! {
        <Suspense fallback=move || view! { <p>{tx.loading}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(v) => profile_view(v).into_any(),
                    Err(e) => failed(e),
                }
            })}
        </Suspense>
    }
    .into_any()
}

fn profile_view(v: ProfileView) -> impl IntoView {
    let tt = talk_texts(use_lang());
    let save = ServerAction::<SaveSpeakerProfile>::new();
    let errors = errors_of(save.value());
    view! {
        <Title text=tt.speaker_profile/>
        <section class="card">
            <h1>{tt.speaker_profile}</h1>
            <p><a href="/talks">{tt.my_talks}</a></p>
            <ActionForm action=save attr:novalidate=true>
                <FormError errors/>
                <TextArea label=tt.bio name="bio" errors value=v.bio rows=6/>
                <small class="hint">{tt.markdown_hint} " " {tt.limit(v.max_bio)}</small>
                <Field label=tt.photo_url name="photo_url" kind="url" errors value=v.photo_url/>
                <Field label=tt.company name="company" errors value=v.company/>
                <small class="hint">{tt.limit(v.max_company)}</small>
                <TextArea label=tt.links name="links" errors value=v.links rows=3/>
                <small class="hint">{tt.links_hint} " (≤ " {v.max_links} ")"</small>
                <TextArea label=tt.availability name="availability" errors value=v.availability rows=4/>
                <small class="hint">{tt.availability_hint} " " {tt.limit(v.max_availability)}</small>
                <Submit label=tt.save pending=save.pending()/>
            </ActionForm>
        </section>
    }
}

// ---------------------------------------------------------------------------------------------
// /c/:slug/pool

#[component]
pub fn PoolPage() -> impl IntoView {
    let tx = t();
    if use_boot().user.is_none() {
        return view! { <LoginRequired/> }.into_any();
    }
    let data = Resource::new(|| param("slug"), pool_page);
    view! {
        <Suspense fallback=move || view! { <p>{tx.loading}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(v) => pool_view(v).into_any(),
                    Err(e) => failed(e),
                }
            })}
        </Suspense>
    }
    .into_any()
}

fn pool_view(v: PoolView) -> impl IntoView {
    let tt = talk_texts(use_lang());
    let propose = ServerAction::<ProposeTalk>::new();
    let errors = errors_of(propose.value());
    let move_action = ServerAction::<MoveTalk>::new();
    let move_errors = errors_of(move_action.value());
    let item = move |p: &PoolItem| {
        let (id, title, state, speakers) = (p.id, p.title.clone(), tt.state(&p.state), p.speakers.join(", "));
        view! {
            <a href=format!("/talks/{id}")>{title}</a>
            " " <span class="badge">{state}</span>
            " " <span class="muted">{speakers}</span>
        }
    };
    let events = v.events.clone();
    let limits = v.limits;
    view! {
        <Title text=format!("{} — {}", v.community_name, tt.talk_pool)/>
        <section class="card">
            <p class="muted"><a href=format!("/c/{}", v.slug)>{v.community_name.clone()}</a></p>
            <h1>{tt.propose}</h1>
            <p class="muted">{tt.pool_intro}</p>
            <ActionForm action=propose attr:novalidate=true attr:class="talk-form">
                <FormError errors/>
                <input type="hidden" name="community_id" value=v.community_id/>
                {talk_fields(errors, TalkFormView::default(), limits, TalkValues::default())}
                {intent_buttons(propose.pending())}
            </ActionForm>
        </section>
        <section class="card">
            <h2>{tt.my_pool}</h2>
            {if v.mine.is_empty() {
                view! { <p class="muted">{tt.no_talks}</p> }.into_any()
            } else {
                view! { <ul class="pool-mine">{v.mine.iter().map(|p| view! { <li>{item(p)}</li> }).collect_view()}</ul> }.into_any()
            }}
        </section>
        {v.all.clone().map(move |all| view! {
            <section class="card">
                <h2>{tt.all_pool}</h2>
                <FormError errors=move_errors/>
                {error_for(move_errors, "event_id")}
                {events.is_empty().then(|| view! { <p class="muted">{tt.no_events_with_cfp}</p> })}
                <ul class="pool-all">
                    {all.into_iter().map(|p| {
                        let talk_id = p.id;
                        let options = events.clone();
                        view! {
                            <li>
                                {item(&p)}
                                <p class="muted">{p.summary}</p>
                                {(!options.is_empty()).then(move || view! {
                                    <ActionForm action=move_action attr:class="inline">
                                        <input type="hidden" name="talk_id" value=talk_id/>
                                        <label>{tt.move_to_event} " "
                                            <select name="event_id">
                                                {options.into_iter().map(|(id, title)| view! { <option value=id>{title}</option> }).collect_view()}
                                            </select>
                                        </label>
                                        " " <button type="submit" class="button small">{tt.move_button}</button>
                                    </ActionForm>
                                })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        })}
    }
}

// ---------------------------------------------------------------------------------------------
// Public: /talk/:id and /speakers/:user_id

#[component]
pub fn PublicTalkPage() -> impl IntoView {
    let tx = t();
    let data = Resource::new(|| id_param("id"), public_talk_page);
    view! {
        <Suspense fallback=move || view! { <p>{tx.loading}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(v) => public_talk_view(v).into_any(),
                    Err(_) => view! { <NotFoundPage/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn meta_line(p: &PublicTalkView) -> String {
    let tt = talk_texts(use_lang());
    let mut parts = Vec::new();
    if let Some(s) = &p.session_type {
        parts.push(match p.minutes {
            Some(m) => format!("{s} ({m} {})", tt.minutes),
            None => s.clone(),
        });
    }
    if let Some(tr) = &p.track {
        parts.push(tr.clone());
    }
    if !p.language.is_empty() {
        parts.push(tt.language(&p.language));
    }
    if !p.level.is_empty() {
        parts.push(tt.level(&p.level));
    }
    parts.join(" · ")
}

fn public_talk_view(p: PublicTalkView) -> impl IntoView {
    let tt = talk_texts(use_lang());
    let meta = meta_line(&p);
    view! {
        <Title text=p.title.clone()/>
        <article class="card public-talk">
            <p class="muted"><a href=format!("/e/{}", p.event_id)>{p.event_title.clone()}</a> " · " {p.event_date.clone()}</p>
            <h1>{p.title.clone()}</h1>
            <p class="muted">{meta}</p>
            {p.slot.clone().map(|slot| view! {
                <p class="talk-slot"><a href=format!("/e/{}/schedule#talk-{}", p.event_id, p.id)>{slot}</a></p>
            })}
            <p class="summary">{p.summary.clone()}</p>
            <div class="markdown" inner_html=p.description_html.clone()></div>
            {(!p.slides_url.is_empty() || !p.recording_url.is_empty()).then(|| view! {
                <h2>{tt.materials}</h2>
                <ul>
                    {(!p.slides_url.is_empty()).then(|| view! { <li><a href=p.slides_url.clone() rel="noopener nofollow">{tt.slides}</a></li> })}
                    {(!p.recording_url.is_empty()).then(|| view! { <li><a href=p.recording_url.clone() rel="noopener nofollow">{tt.recording}</a></li> })}
                </ul>
            })}
        </article>
        <section class="card">
            <h2>{tt.speakers}</h2>
            {p.speakers.into_iter().map(speaker_card).collect_view()}
            {p.guests.into_iter().map(|(name, bio_html)| view! {
                <div class="speaker"><div><h3>{name}</h3><div class="markdown" inner_html=bio_html></div></div></div>
            }).collect_view()}
        </section>
    }
}

fn speaker_card(s: PublicSpeakerView) -> impl IntoView {
    view! {
        <div class="speaker">
            {(!s.photo_url.is_empty()).then(|| view! { <img class="speaker-photo" src=s.photo_url.clone() alt="" width="96" height="96"/> })}
            <div>
                <h3><a href=format!("/speakers/{}", s.user_id)>{s.display_name.clone()}</a></h3>
                {(!s.company.is_empty()).then(|| view! { <p class="muted">{s.company.clone()}</p> })}
                <div class="markdown" inner_html=s.bio_html.clone()></div>
                {(!s.links.is_empty()).then(|| view! {
                    <ul class="links">{s.links.iter().map(|l| view! { <li><a href=l.clone() rel="noopener nofollow me">{l.clone()}</a></li> }).collect_view()}</ul>
                })}
            </div>
        </div>
    }
}

#[component]
pub fn PublicSpeakerPage() -> impl IntoView {
    let tx = t();
    let data = Resource::new(|| id_param("user_id"), speaker_page);
    view! {
        <Suspense fallback=move || view! { <p>{tx.loading}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(v) => {
                        let tt = talk_texts(use_lang());
                        view! {
                            <Title text=v.speaker.display_name.clone()/>
                            <section class="card">{speaker_card(v.speaker)}</section>
                            <section class="card">
                                <h2>{tt.talks_of}</h2>
                                <ul class="talk-list">
                                    {v.talks.into_iter().map(|p| view! {
                                        <li>
                                            <a href=format!("/talk/{}", p.id)>{p.title}</a>
                                            " — " <a href=format!("/e/{}", p.event_id)>{p.event_title}</a>
                                            " · " {p.event_date}
                                        </li>
                                    }).collect_view()}
                                </ul>
                            </section>
                        }.into_any()
                    }
                    Err(_) => view! { <NotFoundPage/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
