//! The schedule exchange formats against the real validators and real files.
//!
//! Exports are checked by the tools the consumers' ecosystem uses (`xmllint` with the c3voc
//! XSD, python `jsonschema` with the c3voc JSON schema) run as subprocesses, not by our own
//! reading of the schemas; `scripts/setup.sh` installs both. Imports are checked against
//! pretalx's and frab's own files and against hostile variations of them.

use chrono::{NaiveDate, TimeZone};
use chrono_tz::Tz;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use sbor_domain::clock::{MINUTE, Micros};
use sbor_domain::schedule::doc::{Conference, Day, Person, Room, ScheduleDoc, Talk};
use sbor_domain::schedule::{ImportProblem, c3voc_json, csv, frab_xml, ics, parse_c3voc, stable_guid};
use serde_json::{Value, json};

fn fixtures() -> std::path::PathBuf {
    sbor_tests::formats::fixtures()
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(fixtures().join(name)).unwrap()
}

const BASE: &str = "https://sbor.example.org";

fn local(tz: Tz, date: NaiveDate, h: u32, m: u32) -> Micros {
    tz.from_local_datetime(&date.and_hms_opt(h, m, 0).unwrap())
        .earliest()
        .unwrap()
        .timestamp_micros()
}

fn person(id: i64, code: &str, name: &str, bio: &str) -> Person {
    Person {
        id,
        code: code.into(),
        name: name.into(),
        biography: bio.into(),
    }
}

/// Three days in Moscow, three rooms, Cyrillic everywhere, markup-looking text, a talk with
/// two speakers, talks without a track, one running past midnight.
fn realistic_doc() -> ScheduleDoc {
    let tz: Tz = "Europe/Moscow".parse().unwrap();
    let d1 = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
    let day = |i: i64| d1 + chrono::Days::new(i as u64 - 1);
    let rooms = vec![
        Room {
            id: 1,
            name: "Большой зал".into(),
            capacity: Some(300),
            description: "2 этаж, вход <слева> & прямо".into(),
            guid: stable_guid("room", BASE, 1),
        },
        Room {
            id: 2,
            name: "Room \"B\" & <C>".into(),
            capacity: None,
            description: String::new(),
            guid: stable_guid("room", BASE, 2),
        },
        Room {
            id: 3,
            name: "Workshop 'D'".into(),
            capacity: Some(24),
            description: "Bring a laptop".into(),
            guid: stable_guid("room", BASE, 3),
        },
    ];
    let days = (1..=3)
        .map(|i| Day {
            index: i,
            date: day(i),
            starts_at: local(tz, day(i), 9, 0),
            ends_at: local(tz, day(i) + chrono::Days::new(1), 1, 0),
        })
        .collect();
    let anna = person(
        101,
        "ANNA01",
        "Анна «Аня» О'Нил",
        "Пишет на Rust с 2015.\nЛюбит <b>теги</b> & «ёлочки».",
    );
    let bob = person(102, "BOB002", "Bob <script>alert(1)</script>", "");
    let chen = person(103, "", "Chen \"CJ\" Jun", "Line one\r\nline two");
    let talk = |id: i64, room_id: i64, d: i64, h: u32, m: u32, minutes: i64, title: &str| Talk {
        id,
        guid: stable_guid("talk", BASE, id),
        room_id,
        starts_at: local(tz, day(d), h, m),
        minutes,
        title: title.into(),
        subtitle: String::new(),
        track: Some("Основной трек".into()),
        session_type: "Talk".into(),
        language: "ru".into(),
        abstract_text: format!("Аннотация доклада {id}: <p>1 < 2 && 3 > 2</p>"),
        description: "**Markdown**, a [link](https://example.org/?a=1&b=2)\n\n- one\n- two".into(),
        url: format!("{BASE}/talks/{id}"),
        slug: format!("rustconf2026-{id}-talk"),
        persons: vec![anna.clone()],
    };
    let mut talks = vec![
        Talk {
            persons: vec![anna.clone(), bob.clone()],
            subtitle: "Как мы строили Sbor".into(),
            ..talk(1, 1, 1, 10, 0, 45, "Открытие: <Sbor> & друзья")
        },
        Talk {
            track: None,
            language: "en".into(),
            persons: vec![chen.clone()],
            ..talk(2, 2, 1, 10, 0, 30, "Rust & \"async\" — 'why' ]]> <!--")
        },
        Talk {
            session_type: "Workshop".into(),
            ..talk(3, 3, 1, 11, 0, 90, "Мастер-класс: sqlx")
        },
        talk(4, 1, 1, 11, 0, 45, "Типы в домене"),
        talk(5, 1, 2, 10, 0, 30, "День второй"),
        Talk {
            track: None,
            persons: vec![],
            ..talk(6, 2, 2, 10, 30, 60, "Без трека и без докладчика")
        },
        talk(7, 3, 2, 14, 0, 120, "Долгий воркшоп"),
        talk(8, 1, 3, 10, 0, 30, "Третий день, утро"),
        Talk {
            persons: vec![bob, chen],
            ..talk(9, 2, 3, 23, 30, 60, "После полуночи")
        },
    ];
    talks.sort_by_key(|t| (t.starts_at, t.room_id));
    ScheduleDoc {
        version: "3: Final «финал»".into(),
        base_url: BASE.into(),
        conference: Conference {
            acronym: "rustconf2026".into(),
            title: "RustConf Москва <2026> & co".into(),
            start: day(1),
            end: day(3),
            time_zone: tz,
            grid_minutes: 5,
            url: format!("{BASE}/c/rustconf"),
        },
        rooms,
        days,
        talks,
    }
}

/// What the schemas make hard: a hyphenated acronym, a legacy zone name, a Cyrillic slug,
/// ids that are not UUIDs, a talk outside every day in a room missing from the list, control
/// characters, relative URLs.
fn awkward_doc() -> ScheduleDoc {
    let mut doc = realistic_doc();
    doc.conference.acronym = "rust-msk".into();
    doc.conference.time_zone = "US/Eastern".parse().unwrap();
    doc.conference.url = "/c/rust-msk".into();
    doc.rooms[0].guid = "not-a-guid".into();
    doc.talks[0].slug = "rust-msk-1-открытие".into();
    doc.talks[0].guid = String::new();
    doc.talks[0].title = "Bell \u{7} and NUL \u{0} and \u{fffe}".into();
    doc.talks[1].url = String::new();
    doc.talks[1].slug = doc.talks[2].slug.clone();
    let mut stray = doc.talks[2].clone();
    stray.id = 99;
    stray.room_id = 42;
    stray.starts_at += 10 * 24 * 60 * MINUTE;
    doc.talks.push(stray);
    doc
}

fn empty_doc() -> ScheduleDoc {
    let mut doc = realistic_doc();
    doc.rooms.clear();
    doc.days.clear();
    doc.talks.clear();
    doc
}

/// The shared validator (xmllint and python jsonschema as subprocesses).
fn validate(xml: &[String], json: &[String]) {
    sbor_tests::formats::validate_schedule_exports(xml, json);
}

#[test]
fn schedule_exports_validate_against_the_c3voc_schemas() {
    let docs = [realistic_doc(), awkward_doc(), empty_doc()];
    let xml: Vec<String> = docs.iter().map(frab_xml).collect();
    let json: Vec<String> = docs.iter().map(c3voc_json).collect();
    validate(&xml, &json);
    // The markup in the data is escaped, not interpreted.
    assert!(xml[0].contains("<title>Открытие: &lt;Sbor&gt; &amp; друзья</title>"));
    assert!(xml[0].contains("<room name=\"Room &quot;B&quot; &amp; &lt;C&gt;\""));
    assert!(xml[0].contains("<date>2026-12-03T10:00:00+03:00</date>"));
    assert!(xml[0].contains("<start>10:00</start>"));
    assert!(xml[0].contains("<duration>01:30</duration>"));
    assert!(xml[0].contains("<time_zone_name>Europe/Moscow</time_zone_name>"));
    assert!(!xml[1].contains('\u{7}'));
}

#[test]
fn schedule_exports_of_generated_docs_validate() {
    // Arbitrary text (control characters, markup, any script) through both writers.
    let mut runner = TestRunner::deterministic();
    let docs: Vec<ScheduleDoc> = (0..24)
        .map(|_| arb_doc().new_tree(&mut runner).unwrap().current())
        .collect();
    let xml: Vec<String> = docs.iter().map(frab_xml).collect();
    let json: Vec<String> = docs.iter().map(c3voc_json).collect();
    validate(&xml, &json);
}

#[test]
fn schedule_json_round_trips() {
    let doc = realistic_doc();
    let json = c3voc_json(&doc);
    let back = parse_c3voc(&json).unwrap_or_else(|p| panic!("{}", report(&p)));
    assert_eq!(back, doc);
}

#[test]
fn schedule_json_shape_matches_pretalx() {
    let v: Value = serde_json::from_str(&c3voc_json(&realistic_doc())).unwrap();
    let c = &v["schedule"]["conference"];
    assert_eq!(c["time_zone_name"], "Europe/Moscow");
    assert_eq!(c["daysCount"], 3);
    assert_eq!(c["timeslot_duration"], "00:05");
    let day = &c["days"][0];
    assert_eq!(day["date"], "2026-12-03");
    assert_eq!(day["day_start"], "2026-12-03T09:00:00+03:00");
    // Rooms keep their display order, not alphabetical order.
    let json = c3voc_json(&realistic_doc());
    let day1 = json.find("\"day_start\"").unwrap();
    let order: Vec<usize> = [
        "\"Большой зал\": [",
        "\"Room \\\"B\\\" & <C>\": [",
        "\"Workshop 'D'\": [",
    ]
    .iter()
    .map(|k| day1 + json[day1..].find(k).unwrap())
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    let ev = &day["rooms"]["Большой зал"][0];
    assert_eq!(ev["start"], "10:00");
    assert_eq!(ev["duration"], "00:45");
    assert_eq!(ev["date"], "2026-12-03T10:00:00+03:00");
    assert_eq!(ev["persons"][1]["public_name"], "Bob <script>alert(1)</script>");
    assert_eq!(ev["persons"][0]["code"], "ANNA01");
    let no_track = &day["rooms"]["Room \"B\" & <C>"][0];
    assert_eq!(no_track["track"], Value::Null);
    assert!(no_track["persons"][0].get("code").is_none());
}

#[test]
fn schedule_democon_imports_and_round_trips() {
    let doc = parse_c3voc(&fixture("pretalx-democon.json")).unwrap_or_else(|p| panic!("{}", report(&p)));
    assert_eq!(doc.conference.acronym, "democon");
    assert_eq!(doc.conference.time_zone, chrono_tz::UTC);
    assert_eq!(doc.conference.grid_minutes, 5);
    assert_eq!(
        doc.rooms
            .iter()
            .map(|r| (r.id, r.name.as_str()))
            .collect::<Vec<_>>(),
        [(1, "Gray Room"), (2, "Tan Room")]
    );
    // pretalx gave both rooms one guid; it is kept, not relied on.
    assert_eq!(doc.rooms[0].guid, doc.rooms[1].guid);
    assert_eq!(doc.days.len(), 3);
    assert_eq!(doc.talks.len(), 36);
    let first = &doc.talks[0];
    assert_eq!((first.id, first.room_id, first.minutes), (25, 1, 30));
    assert_eq!(first.title, "Focused 5thgeneration hardware");
    // 09:00+01:00 is 08:00 UTC.
    assert_eq!(
        sbor_domain::clock::rfc3339(first.starts_at),
        "2020-12-14T08:00:00Z"
    );
    assert_eq!(first.persons[0].name, "Brian Robinson");
    assert_eq!(first.persons[0].code, "NQTF8Y");
    assert!(doc.talks.iter().any(|t| t.persons.len() == 2));
    assert!(doc.talks.windows(2).all(|w| w[0].starts_at <= w[1].starts_at));

    let json = c3voc_json(&doc);
    validate(&[frab_xml(&doc)], std::slice::from_ref(&json));
    let again = parse_c3voc(&json).unwrap_or_else(|p| panic!("{}", report(&p)));
    let key = |d: &ScheduleDoc| {
        d.talks
            .iter()
            .map(|t| {
                let room = &d.rooms.iter().find(|r| r.id == t.room_id).unwrap().name;
                (t.id, t.title.clone(), room.clone(), t.starts_at, t.minutes)
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(key(&again), key(&doc));
    assert_eq!(again, doc);
}

#[test]
fn schedule_frab_camp_imports_without_a_room_list() {
    // frab's JSON has no conference.rooms: the rooms are the names the days use.
    let doc = parse_c3voc(&fixture("frab-camp2019.json")).unwrap_or_else(|p| panic!("{}", report(&p)));
    assert_eq!(doc.conference.time_zone, chrono_tz::Europe::Berlin);
    assert_eq!(doc.talks.len(), 79);
    assert!(doc.rooms.iter().any(|r| r.name == "Curie"));
    assert!(doc.talks.iter().all(|t| t.persons.iter().all(|p| p.id > 0)));
    validate(&[frab_xml(&doc)], &[c3voc_json(&doc)]);
}

// ---- refusals ----------------------------------------------------------------------------

fn report(problems: &[ImportProblem]) -> String {
    problems.iter().map(|p| format!("{p}\n")).collect()
}

fn democon() -> Value {
    serde_json::from_str(&fixture("pretalx-democon.json")).unwrap()
}

fn codes(v: &Value) -> Vec<&'static str> {
    codes_of(&v.to_string())
}

fn codes_of(s: &str) -> Vec<&'static str> {
    match parse_c3voc(s) {
        Ok(_) => vec![],
        Err(p) => {
            assert!(!p.is_empty());
            p.iter().map(|p| p.code).collect()
        }
    }
}

fn problems(v: &Value) -> Vec<ImportProblem> {
    parse_c3voc(&v.to_string()).unwrap_err()
}

fn first_event(v: &mut Value) -> &mut Value {
    &mut v["schedule"]["conference"]["days"][0]["rooms"]["Gray Room"][0]
}

const EV0: &str = "schedule.conference.days[0].rooms[\"Gray Room\"][0]";

#[test]
fn schedule_import_accepts_the_untouched_file() {
    assert_eq!(codes(&democon()), Vec::<&str>::new());
}

#[test]
fn schedule_import_refuses_wrong_types() {
    let mut v = democon();
    first_event(&mut v)["title"] = json!(42);
    first_event(&mut v)["persons"] = json!("Brian");
    v["schedule"]["conference"]["days"][1]["rooms"] = json!([]);
    let p = problems(&v);
    assert_eq!(
        p.iter().map(|p| (p.path.as_str(), p.code)).collect::<Vec<_>>(),
        [
            (format!("{EV0}.title").as_str(), "wrong_type"),
            (format!("{EV0}.persons").as_str(), "wrong_type"),
            ("schedule.conference.days[1].rooms", "wrong_type"),
        ]
    );
    assert_eq!(codes(&json!([1, 2])), ["wrong_type"]);
    assert_eq!(codes(&json!({"schedule": null})), ["wrong_type"]);
}

#[test]
fn schedule_import_refuses_missing_fields() {
    let mut v = democon();
    v["schedule"]["conference"]["days"][1]["rooms"]["Gray Room"][0]
        .as_object_mut()
        .unwrap()
        .remove("duration");
    v["schedule"].as_object_mut().unwrap().remove("version");
    v["schedule"]["conference"]
        .as_object_mut()
        .unwrap()
        .remove("title");
    let p = problems(&v);
    let got: Vec<(&str, &str)> = p.iter().map(|p| (p.path.as_str(), p.code)).collect();
    assert!(got.contains(&("schedule.version", "missing")), "{got:?}");
    assert!(got.contains(&("schedule.conference.title", "missing")), "{got:?}");
    assert!(
        got.contains(&(
            "schedule.conference.days[1].rooms[\"Gray Room\"][0].duration",
            "missing"
        )),
        "{got:?}"
    );
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(codes(&json!({})), ["missing"]);
}

#[test]
fn schedule_import_refuses_partial_and_malformed_files() {
    let text = fixture("pretalx-democon.json");
    assert_eq!(codes_of(&text[..text.len() / 2]), ["bad_json"]);
    assert_eq!(codes_of(""), ["bad_json"]);
    assert_eq!(codes_of("\u{feff}{}"), ["bad_json"]);
    // Deep nesting is refused by the parser's depth limit, without overflowing the stack.
    let deep = "[".repeat(100_000) + &"]".repeat(100_000);
    assert_eq!(codes_of(&deep), ["bad_json"]);
    let too_big = format!("{{\"pad\": \"{}\"}}", "x".repeat(20 * 1024 * 1024));
    assert_eq!(codes_of(&too_big), ["too_large"]);
}

#[test]
fn schedule_import_refuses_unknown_and_mismatched_rooms() {
    let mut v = democon();
    let day = v["schedule"]["conference"]["days"][0]["rooms"]
        .as_object_mut()
        .unwrap();
    let events = day.remove("Tan Room").unwrap();
    day.insert("Red Room".into(), events);
    first_event(&mut v)["room"] = json!("Tan Room");
    let p = problems(&v);
    assert_eq!(
        p.iter().map(|p| (p.path.as_str(), p.code)).collect::<Vec<_>>(),
        [
            (format!("{EV0}.room").as_str(), "room_mismatch"),
            ("schedule.conference.days[0].rooms[\"Red Room\"]", "unknown_room"),
        ]
    );
}

#[test]
fn schedule_import_refuses_overlaps_and_duplicate_ids() {
    let mut v = democon();
    let second = v["schedule"]["conference"]["days"][0]["rooms"]["Gray Room"][1].clone();
    first_event(&mut v)["duration"] = json!("00:45");
    let mut dup = second.clone();
    dup["date"] = json!("2020-12-16T23:00:00+01:00");
    dup["room"] = json!("Tan Room");
    v["schedule"]["conference"]["days"][2]["rooms"]["Tan Room"]
        .as_array_mut()
        .unwrap()
        .push(dup);
    let p = problems(&v);
    assert_eq!(
        p.iter().map(|p| (p.path.as_str(), p.code)).collect::<Vec<_>>(),
        [
            (
                format!("schedule.conference.days[2].rooms[\"Tan Room\"][{}].id", {
                    democon()["schedule"]["conference"]["days"][2]["rooms"]["Tan Room"]
                        .as_array()
                        .unwrap()
                        .len()
                })
                .as_str(),
                "duplicate"
            ),
            ("schedule.conference.days[0].rooms[\"Gray Room\"][1]", "overlap"),
        ]
    );
}

#[test]
fn schedule_import_refuses_bad_times_durations_and_zones() {
    let mut v = democon();
    v["schedule"]["conference"]["time_zone_name"] = json!("Mars/Olympus_Mons");
    first_event(&mut v)["date"] = json!("tomorrow at nine");
    let gray = &mut v["schedule"]["conference"]["days"][1]["rooms"]["Gray Room"];
    gray[0]["duration"] = json!("90");
    gray[1]["duration"] = json!("00:00");
    gray[2]["duration"] = json!("25:00");
    gray[3]["duration"] = json!("1:75");
    v["schedule"]["conference"]["days"][2]["day_start"] = json!("2020-12-16T04:00:00");
    v["schedule"]["conference"]["end"] = json!("2020-12-01");
    let p = problems(&v);
    let got: Vec<(&str, &str)> = p.iter().map(|p| (p.path.as_str(), p.code)).collect();
    let d1 = "schedule.conference.days[1].rooms[\"Gray Room\"]";
    let want = [
        ("schedule.conference.end", "bad_date"),
        ("schedule.conference.time_zone_name", "bad_zone"),
        (&format!("{EV0}.date"), "bad_time"),
        (&format!("{d1}[0].duration"), "bad_duration"),
        (&format!("{d1}[1].duration"), "bad_duration"),
        (&format!("{d1}[2].duration"), "bad_duration"),
        (&format!("{d1}[3].duration"), "bad_duration"),
        ("schedule.conference.days[2].day_start", "bad_time"),
    ];
    for w in want {
        assert!(got.contains(&(w.0, w.1)), "{w:?} not in {got:?}");
    }
    assert_eq!(got.len(), want.len(), "{got:?}");
}

#[test]
fn schedule_import_refuses_huge_fields_and_counts() {
    let mut v = democon();
    first_event(&mut v)["title"] = json!("Я".repeat(301));
    first_event(&mut v)["abstract"] = json!("x".repeat(20_001));
    first_event(&mut v)["persons"][0]["biography"] = json!("b".repeat(20_001));
    v["schedule"]["conference"]["days"][1]["rooms"]["Gray Room"][0]["persons"] =
        json!(vec![json!({"public_name": "p"}); 51]);
    let p = problems(&v);
    assert_eq!(
        p.iter().map(|p| (p.path.as_str(), p.code)).collect::<Vec<_>>(),
        [
            (format!("{EV0}.title").as_str(), "too_long"),
            (format!("{EV0}.abstract").as_str(), "too_long"),
            (format!("{EV0}.persons[0].biography").as_str(), "too_long"),
            (
                "schedule.conference.days[1].rooms[\"Gray Room\"][0].persons",
                "too_many"
            ),
        ]
    );
    // Exactly at the limits is fine.
    let mut v = democon();
    first_event(&mut v)["title"] = json!("Я".repeat(300));
    first_event(&mut v)["abstract"] = json!("x".repeat(20_000));
    assert_eq!(codes(&v), Vec::<&str>::new());

    let mut v = democon();
    v["schedule"]["conference"]["rooms"] = json!(
        (0..101)
            .map(|i| json!({"name": format!("R{i}"), "guid": "b379c473-93b9-4eae-9a09-d482e86cede3"}))
            .collect::<Vec<_>>()
    );
    assert!(codes(&v).contains(&"too_many"));
}

#[test]
fn schedule_import_refuses_too_many_events() {
    let mut v = democon();
    let template = first_event(&mut v).clone();
    let start = chrono::DateTime::parse_from_rfc3339("2020-12-14T09:00:00+01:00").unwrap();
    let events: Vec<Value> = (0..5_001)
        .map(|i| {
            let mut e = template.clone();
            e["id"] = json!(1_000 + i);
            e["date"] = json!((start + chrono::Duration::minutes(30 * i)).to_rfc3339());
            e
        })
        .collect();
    let days = &mut v["schedule"]["conference"]["days"];
    days[0]["rooms"]["Gray Room"] = json!(events);
    for d in days.as_array_mut().unwrap() {
        d["rooms"]["Tan Room"] = json!([]);
    }
    days[1]["rooms"]["Gray Room"] = json!([]);
    days[2]["rooms"]["Gray Room"] = json!([]);
    let p = problems(&v);
    assert_eq!(
        p.iter().map(|p| (p.path.as_str(), p.code)).collect::<Vec<_>>(),
        [("schedule.conference.days", "too_many")]
    );
}

#[test]
fn schedule_import_collects_problems_up_to_a_cap() {
    let mut v = democon();
    for d in v["schedule"]["conference"]["days"].as_array_mut().unwrap() {
        for (_, events) in d["rooms"].as_object_mut().unwrap() {
            for e in events.as_array_mut().unwrap() {
                e["title"] = json!(null);
                e["duration"] = json!("forever");
                e["date"] = json!(7);
            }
        }
    }
    let p = problems(&v);
    assert_eq!(p.len(), 100);
    assert_eq!(p.last().unwrap().code, "truncated");
    assert!(p.iter().any(|p| p.code == "bad_duration"));
    assert!(p.iter().any(|p| p.code == "wrong_type"));
    // Every problem names where it is and says what is wrong.
    for p in &p[..99] {
        assert!(p.path.starts_with("schedule.conference.days["), "{p}");
        assert!(!p.detail.is_empty());
    }
}

#[test]
fn schedule_import_never_panics_on_mangled_files() {
    // Every value of the real file replaced, in turn, by values of other types.
    let base = democon();
    let mut paths = Vec::new();
    collect_paths(&base, &mut Vec::new(), &mut paths);
    let replacements = [
        json!(null),
        json!(-1),
        json!(1e300),
        json!("x"),
        json!([]),
        json!({}),
        json!(true),
    ];
    for (i, path) in paths.iter().enumerate().step_by(7) {
        let mut v = base.clone();
        *pointer(&mut v, path) = replacements[i % replacements.len()].clone();
        let _ = parse_c3voc(&v.to_string());
    }
}

fn collect_paths(v: &Value, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(at.clone());
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                at.push(k.clone());
                collect_paths(v, at, out);
                at.pop();
            }
        }
        Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                at.push(i.to_string());
                collect_paths(v, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

fn pointer<'a>(v: &'a mut Value, path: &[String]) -> &'a mut Value {
    let p: String = path
        .iter()
        .map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1")))
        .collect();
    v.pointer_mut(&p).unwrap()
}

// ---- iCal and CSV --------------------------------------------------------------------------

#[test]
fn schedule_ics_has_one_entry_per_talk() {
    let doc = realistic_doc();
    let cal = ics(&doc, 1_700_000_000_000_000, 3);
    assert_eq!(cal.matches("BEGIN:VEVENT").count(), doc.talks.len());
    assert!(cal.contains("UID:talk-2@sbor.example.org\r\n"));
    assert!(cal.contains("SEQUENCE:3\r\n"));
    assert!(cal.contains("DTSTAMP:20231114T221320Z\r\n"));
    // 10:00 in Moscow is 07:00 UTC.
    assert!(cal.contains("DTSTART:20261203T070000Z\r\nDTEND:20261203T074500Z\r\n"));
    assert!(cal.contains("LOCATION:Room \"B\" & <C>\r\n"));
    assert!(cal.contains("X-WR-TIMEZONE:Europe/Moscow\r\n"));
    for l in cal.split("\r\n") {
        assert!(l.len() <= 75, "{l}");
    }
    let unfolded = cal.replace("\r\n ", "");
    assert!(unfolded.contains("SUMMARY:Открытие: <Sbor> & друзья\r\n"));
    assert!(unfolded.contains("DESCRIPTION:Анна «Аня» О'Нил\\, Bob <script>alert(1)</script>\\n\\n"));
    assert!(unfolded.contains("CATEGORIES:Основной трек\r\n"));
}

#[test]
fn schedule_csv_has_a_row_per_talk_in_local_time() {
    let mut doc = realistic_doc();
    doc.talks[1].title = "=HYPERLINK(\"x\")".into();
    let out = csv(&doc);
    assert!(out.starts_with("\u{feff}id,date,start,end,minutes,time_zone,room,title,"));
    let rows: Vec<&str> = out
        .trim_start_matches('\u{feff}')
        .split("\r\n")
        .filter(|r| !r.is_empty())
        .collect();
    assert_eq!(rows.len(), doc.talks.len() + 1);
    assert!(
        rows[1]
            .starts_with("1,2026-12-03,10:00,10:45,45,Europe/Moscow,Большой зал,Открытие: <Sbor> & друзья,")
    );
    assert!(rows[1].contains(",\"Анна «Аня» О'Нил, Bob <script>alert(1)</script>\","));
    assert!(rows[2].contains(",\"Room \"\"B\"\" & <C>\",\"'=HYPERLINK(\"\"x\"\")\","));
    // The talk after midnight ends on the next day's clock.
    assert!(out.contains(",2026-12-05,23:30,00:30,60,"));
}

// ---- generated documents -----------------------------------------------------------------

/// Any text, control characters included, up to `max` characters.
fn any_text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..=max).prop_map(String::from_iter)
}

prop_compose! {
    fn arb_person()(id in any::<i64>(), code in "[A-Z0-9]{0,8}", name in any_text(40),
                    biography in any_text(200)) -> Person {
        Person { id, code, name, biography }
    }
}

/// A talk's variable parts; ids, rooms and times are assigned when the doc is assembled.
#[derive(Clone, Debug)]
struct TalkParts {
    gap: i64,
    minutes: i64,
    title: String,
    subtitle: String,
    track: Option<String>,
    session_type: String,
    language: String,
    abstract_text: String,
    description: String,
    url: String,
    slug_tail: String,
    persons: Vec<Person>,
}

prop_compose! {
    fn arb_talk()(gap in 0i64..120, minutes in 1i64..=24 * 60, title in any_text(60),
                  subtitle in any_text(30),
                  track in prop::option::of(any_text(20).prop_filter("a track has a name", |s| !s.is_empty())),
                  session_type in "Talk|Workshop|Лекция", language in "[a-z]{0,3}",
                  abstract_text in any_text(300), description in any_text(300),
                  url in "https://[a-z]{1,10}\\.example/[a-z0-9_/-]{0,20}",
                  slug_tail in "[a-z0-9_-]{3,12}[a-z0-9]",
                  persons in prop::collection::vec(arb_person(), 0..3)) -> TalkParts {
        TalkParts { gap, minutes, title, subtitle, track, session_type, language, abstract_text,
                    description, url, slug_tail, persons }
    }
}

fn arb_doc() -> impl Strategy<Value = ScheduleDoc> {
    let zones = prop::sample::select(vec![
        "Europe/Moscow",
        "UTC",
        "America/New_York",
        "Asia/Kolkata",
        "Pacific/Chatham",
        "Europe/Berlin",
    ]);
    let rooms = prop::collection::vec((any_text(30), prop::option::of(0i64..5000), any_text(100)), 1..4);
    (
        zones,
        "[a-z0-9_]{4,12}",
        any_text(60),
        any_text(20),
        1i64..=60,
        0u64..3000,
        rooms,
        prop::collection::vec(
            prop::collection::vec(prop::collection::vec(arb_talk(), 0..4), 3),
            1..4,
        ),
    )
        .prop_map(
            |(zone, acronym, title, version, grid_minutes, day0, rooms, days)| {
                let tz: Tz = zone.parse().unwrap();
                let start = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + chrono::Days::new(day0);
                let rooms: Vec<Room> = rooms
                    .into_iter()
                    .enumerate()
                    .map(|(i, (name, capacity, description))| Room {
                        id: i as i64 + 1,
                        // Names are the JSON keys, so they are unique.
                        name: format!("{name} {i}"),
                        capacity,
                        description,
                        guid: stable_guid("room", BASE, i as i64 + 1),
                    })
                    .collect();
                let mut doc_days = Vec::new();
                let mut talks = Vec::new();
                // Where each room is free again: a long talk may run into the next day.
                let mut free_at = vec![i64::MIN; rooms.len()];
                for (d, per_room) in days.iter().enumerate() {
                    let date = start + chrono::Days::new(d as u64);
                    let day_start = local(tz, date, 8, 0);
                    let mut day_end = day_start;
                    for (r, parts) in per_room.iter().enumerate() {
                        let Some(room) = rooms.get(r) else { continue };
                        let mut at = day_start.max(free_at[r]);
                        for p in parts {
                            at += p.gap * MINUTE;
                            let id = talks.len() as i64 + 1;
                            talks.push(Talk {
                                id,
                                guid: stable_guid("talk", BASE, id),
                                room_id: room.id,
                                starts_at: at,
                                minutes: p.minutes,
                                title: p.title.clone(),
                                subtitle: p.subtitle.clone(),
                                track: p.track.clone(),
                                session_type: p.session_type.clone(),
                                language: p.language.clone(),
                                abstract_text: p.abstract_text.clone(),
                                description: p.description.clone(),
                                url: p.url.clone(),
                                slug: format!("{acronym}-{id}-{}", p.slug_tail),
                                persons: p.persons.clone(),
                            });
                            at += p.minutes * MINUTE;
                            day_end = day_end.max(at);
                        }
                        free_at[r] = at;
                    }
                    doc_days.push(Day {
                        index: d as i64 + 1,
                        date,
                        starts_at: day_start,
                        ends_at: day_end,
                    });
                }
                talks.sort_by_key(|t| (t.starts_at, t.room_id));
                ScheduleDoc {
                    version,
                    base_url: BASE.into(),
                    conference: Conference {
                        acronym,
                        title,
                        start,
                        end: start + chrono::Days::new(days.len() as u64 - 1),
                        time_zone: tz,
                        grid_minutes,
                        url: String::new(),
                    },
                    rooms,
                    days: doc_days,
                    talks,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn schedule_json_round_trips_generated_docs(doc in arb_doc()) {
        let json = c3voc_json(&doc);
        match parse_c3voc(&json) {
            Ok(back) => prop_assert_eq!(back, doc),
            Err(p) => prop_assert!(false, "{}", report(&p)),
        }
    }
}
