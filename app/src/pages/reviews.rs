//! Review pages: the organizers' dashboard of an event's talks (`/e/:id/talks`), a reviewer's
//! queue (`/e/:id/review`) and the review form of one talk (`/review/:talk_id`).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{
    ApplyTalkDecisions, DashboardLine, DashboardView, QueueView, ReviewView, SaveReview, StageTalkDecision,
    review_page, review_queue, talks_dashboard,
};
use crate::boot::{t, use_boot, use_lang};
use crate::components::{FieldError, FormError, LoginRequired, TextArea, errors_of};
use crate::pages::event::event_id;
use crate::pages::query;
use crate::review_texts::{ReviewTexts, review_texts};

#[component]
pub fn TalksDashboardPage() -> impl IntoView {
    let tx = t();
    if use_boot().user.is_none() {
        return view! { <LoginRequired/> }.into_any();
    }
    let args = (
        event_id(),
        query("track"),
        query("type"),
        query("state"),
        query("sort"),
    );
    let data = Resource::new(
        move || args.clone(),
        |(id, track, kind, state, sort)| talks_dashboard(id, track, kind, state, sort),
    );
    view! {
        <Suspense fallback=move || view! { <p>{tx.loading}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(v) => dashboard_view(v).into_any(),
                    Err(_) => view! { <section class="card"><p>{tx.forbidden_body}</p></section> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

fn selected(current: &str, value: &str) -> bool {
    current == value
}

fn dashboard_view(v: DashboardView) -> impl IntoView {
    let rt = review_texts(use_lang());
    let tx = t();
    let stage = ServerAction::<StageTalkDecision>::new();
    let stage_errors = errors_of(stage.value());
    let apply = ServerAction::<ApplyTalkDecisions>::new();
    let apply_errors = errors_of(apply.value());
    let id = v.event_id;
    let (track, kind, state, sort) = (v.track.clone(), v.kind.clone(), v.state.clone(), v.sort.clone());
    view! {
        <Title text=rt.dashboard/>
        <section class="card wide">
            <p><a href=format!("/e/{id}")>{v.event_title.clone()}</a></p>
            <h1>{rt.dashboard}</h1>
            <p class="actions left">
                <a class="button small secondary" href=format!("/e/{id}/cfp/edit")>{rt.cfp_settings}</a>
                <a class="button small secondary" href=format!("/e/{id}/talks.csv")>{tx.export_csv}</a>
            </p>
            <form method="get" action=format!("/e/{id}/talks") class="filters">
                <label>{rt.track} " "
                    <select name="track">
                        <option value="">{rt.all}</option>
                        {v.tracks.iter().map(|(tid, name)| view! {
                            <option value=tid.to_string() selected=selected(&track, &tid.to_string())>{name.clone()}</option>
                        }).collect_view()}
                    </select>
                </label>
                " "
                <label>{rt.session_type} " "
                    <select name="type">
                        <option value="">{rt.all}</option>
                        {v.session_types.iter().map(|(sid, name)| view! {
                            <option value=sid.to_string() selected=selected(&kind, &sid.to_string())>{name.clone()}</option>
                        }).collect_view()}
                    </select>
                </label>
                " "
                <label>{rt.state} " "
                    <select name="state">
                        <option value="">{rt.all_but_drafts}</option>
                        {crate::talk_texts::talk_texts(use_lang()).states.iter().map(|(code, word)| view! {
                            <option value=*code selected=selected(&state, code)>{*word}</option>
                        }).collect_view()}
                    </select>
                </label>
                " "
                <label>{rt.sort} " "
                    <select name="sort">
                        {rt.sorts.iter().map(|(code, word)| view! {
                            <option value=*code selected=selected(&sort, code)>{*word}</option>
                        }).collect_view()}
                    </select>
                </label>
                " "
                <button type="submit" class="button small">{rt.filter}</button>
            </form>
            <FormError errors=stage_errors/>
            <FormError errors=apply_errors/>
            <ActionForm action=apply attr:class="inline">
                <input type="hidden" name="event_id" value=id/>
                <button type="submit" class="button" disabled=v.staged == 0>
                    {format!("{} ({})", rt.apply_staged, v.staged)}
                </button>
            </ActionForm>
            {if v.lines.is_empty() {
                view! { <p class="muted">{rt.no_talks}</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap"><table class="talks-dashboard">
                        <thead><tr>
                            <th>{rt.title}</th><th>{rt.speakers}</th><th>{rt.track}</th><th>{rt.session_type}</th>
                            <th>{rt.state}</th><th class="num">{rt.score}</th><th class="num">{rt.reviews}</th>
                            <th class="num">{rt.spread}</th><th>{rt.decision}</th>
                        </tr></thead>
                        <tbody>
                            {v.lines.into_iter().map(|l| dashboard_line(rt, stage, l)).collect_view()}
                        </tbody>
                    </table></div>
                }.into_any()
            }}
        </section>
    }
}

fn dashboard_line(
    rt: &'static ReviewTexts,
    stage: ServerAction<StageTalkDecision>,
    l: DashboardLine,
) -> impl IntoView {
    let talk_id = l.talk_id;
    let button = move |decision: &'static str, label: &'static str| {
        view! {
            <ActionForm action=stage attr:class="inline">
                <input type="hidden" name="talk_id" value=talk_id/>
                <input type="hidden" name="decision" value=decision/>
                <button type="submit" class="link">{label}</button>
            </ActionForm>
        }
    };
    let submitted = l.state == "submitted";
    let swatch = (!l.track_colour.is_empty()).then(|| format!("background:{}", l.track_colour));
    view! {
        <tr data-talk=talk_id>
            <td>{l.title}</td>
            <td>{l.speakers}</td>
            <td>{swatch.map(|s| view! { <span class="swatch" style=s></span> " " })}{l.track}</td>
            <td>{l.session_type}</td>
            <td>{crate::talk_texts::talk_texts(use_lang()).state(&l.state)}</td>
            <td class="num score">{l.score}</td>
            <td class="num reviews">{(!l.own).then_some(l.reviews)}</td>
            <td class="num">{l.spread}</td>
            <td>
                {match l.staged.as_str() {
                    "accept" => view! { <span class="badge staged">{rt.staged_accept}</span> }.into_any(),
                    "reject" => view! { <span class="badge staged">{rt.staged_reject}</span> }.into_any(),
                    _ => ().into_any(),
                }}
                {submitted.then(|| view! {
                    " " {button("accept", rt.accept)} " " {button("reject", rt.reject)}
                })}
                {(!l.staged.is_empty()).then(|| view! { " " {button("clear", rt.clear)} })}
            </td>
        </tr>
    }
}

#[component]
pub fn ReviewQueuePage() -> impl IntoView {
    let tx = t();
    if use_boot().user.is_none() {
        return view! { <LoginRequired/> }.into_any();
    }
    let data = Resource::new(event_id, review_queue);
    view! {
        <Suspense fallback=move || view! { <p>{tx.loading}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(v) => queue_view(v).into_any(),
                    Err(_) => view! { <section class="card"><p>{tx.forbidden_body}</p></section> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

fn queue_view(v: QueueView) -> impl IntoView {
    let rt = review_texts(use_lang());
    view! {
        <Title text=rt.queue/>
        <section class="card">
            <p><a href=format!("/e/{}", v.event_id)>{v.event_title.clone()}</a></p>
            <h1>{rt.queue}</h1>
            {if v.lines.is_empty() {
                view! { <p class="muted">{rt.no_talks}</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap"><table>
                        <thead><tr><th>{rt.title}</th><th>{rt.track}</th><th>{rt.session_type}</th><th>{rt.my_review}</th></tr></thead>
                        <tbody>
                            {v.lines.into_iter().map(|l| view! {
                                <tr>
                                    <td><a href=format!("/review/{}", l.talk_id)>{l.title}</a></td>
                                    <td>{l.track}</td>
                                    <td>{l.session_type}</td>
                                    <td>{rt.review_status(&l.my_review)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table></div>
                }.into_any()
            }}
        </section>
    }
}

#[component]
pub fn ReviewPage() -> impl IntoView {
    let tx = t();
    if use_boot().user.is_none() {
        return view! { <LoginRequired/> }.into_any();
    }
    let talk_id = crate::pages::id_param("talk_id");
    let data = Resource::new(move || talk_id, review_page);
    view! {
        <Suspense fallback=move || view! { <p>{tx.loading}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(v) => review_view(v).into_any(),
                    Err(e) => view! {
                        <section class="card"><p>{crate::i18n::error_message(use_lang(), e.code())}</p></section>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

fn review_view(v: ReviewView) -> impl IntoView {
    let rt = review_texts(use_lang());
    let tx = t();
    let save = ServerAction::<SaveReview>::new();
    let errors = errors_of(save.value());
    let talk_id = v.talk_id;
    view! {
        <Title text=v.title.clone()/>
        <section class="card">
            <p><a href=format!("/e/{}/review", v.event_id)>{rt.queue}</a></p>
            <h1>{v.title.clone()}</h1>
            <p class="muted">
                {[v.session_type.clone(), v.minutes.map(|m| format!("{m} min")).unwrap_or_default(), v.track.clone(), v.language.clone(), v.level.clone()]
                    .into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · ")}
            </p>
            <p><strong>{v.summary.clone()}</strong></p>
            <div class="markdown" inner_html=v.description_html.clone()></div>
            {(!v.answers.is_empty()).then(|| view! {
                <dl>{v.answers.iter().map(|(q, a)| view! { <dt>{q.clone()}</dt><dd>{a.clone()}</dd> }).collect_view()}</dl>
            })}
            {match v.speakers.clone() {
                None => view! { <p class="muted">{rt.anonymous_note}</p> }.into_any(),
                Some(list) => view! {
                    <h2>{rt.speakers}</h2>
                    {list.into_iter().map(|s| view! {
                        <div class="speaker">
                            <strong>{s.name}</strong>
                            {(!s.company.is_empty()).then(|| format!(" · {}", s.company))}
                            <div class="markdown" inner_html=s.bio_html></div>
                            <ul>{s.links.into_iter().map(|l| view! { <li><a href=l.clone() rel="noopener nofollow">{l.clone()}</a></li> }).collect_view()}</ul>
                        </div>
                    }).collect_view()}
                }.into_any(),
            }}
        </section>
        <section class="card">
            <h2>{rt.your_review} " " <span class="badge">{rt.review_status(&v.my_status)}</span></h2>
            {if !v.open {
                view! { <p class="muted">{rt.review_closed}</p> }.into_any()
            } else if v.categories.is_empty() {
                view! { <p class="muted">{rt.no_categories}</p> }.into_any()
            } else {
                view! {
                    <ActionForm action=save attr:novalidate=true>
                        <FormError errors/>
                        <input type="hidden" name="talk_id" value=talk_id/>
                        {v.categories.iter().map(|c| {
                            let name = format!("scores[{}]", c.category_id);
                            let id = format!("score-{}", c.category_id);
                            let mine = c.mine;
                            view! {
                                <div class="field">
                                    <label for=id.clone()>{format!("{} ({} ×{})", c.name, rt.weight, c.weight)}</label>
                                    <select id=id name=name aria-describedby="scores-error">
                                        <option value="" selected=mine.is_none()>"—"</option>
                                        {(0..=5).map(|s| view! { <option value=s.to_string() selected=mine == Some(s)>{s.to_string()}</option> }).collect_view()}
                                    </select>
                                </div>
                            }
                        }).collect_view()}
                        <FieldError errors field="scores"/>
                        <small class="hint">{rt.score_hint}</small>
                        <TextArea label=rt.comment name="comment" errors value=v.comment.clone() rows=6/>
                        <div class="actions left">
                            <button type="submit" name="intent" value="save" class="button secondary">{tx.save}</button>
                            <button type="submit" name="intent" value="submit" class="button">{rt.submit}</button>
                        </div>
                    </ActionForm>
                }.into_any()
            }}
        </section>
        <section class="card">
            <h2>{rt.others}</h2>
            {match v.others.clone() {
                None => view! { <p class="muted">{rt.others_hidden}</p> }.into_any(),
                Some(list) if list.is_empty() => view! { <p class="muted">{rt.no_reviews}</p> }.into_any(),
                Some(list) => view! {
                    <ul class="reviews">
                        {list.into_iter().map(|r| view! {
                            <li class="review">
                                <strong>{r.reviewer}</strong>
                                {(!r.submitted).then(|| view! { " " <span class="badge">{rt.review_status("draft")}</span> })}
                                " — " <span class="score">{r.weighted}</span>
                                <span class="muted">{" ("}{r.scores.iter().map(|(c, s)| format!("{c}: {s}")).collect::<Vec<_>>().join(", ")}{")"}</span>
                                <p>{r.comment}</p>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}
