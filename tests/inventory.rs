//! Inventory aggregation and statuses, on findings and policies built by
//! hand so the tests depend on neither the detectors nor the policy parser.

use chrono::NaiveDate;
use tizim::inventory::{self, Classifier, Inventory, InventoryRow, Status};
use tizim::model::{Category, Confidence, Evidence, Finding, Sex, SubjectTraits};
use tizim::policy::{Policy, Purpose, Retention};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn noon(date: NaiveDate) -> i64 {
    date.and_hms_opt(12, 0, 0).unwrap().and_utc().timestamp()
}

const TODAY: (i32, u32, u32) = (2025, 6, 1);

fn today() -> NaiveDate {
    day(TODAY.0, TODAY.1, TODAY.2)
}

fn finding(path: &str, field: Option<&str>, category: Category, line: u64, fp: &str) -> Finding {
    Finding {
        path: path.into(),
        line,
        column: 1,
        category,
        detector: category.id().into(),
        confidence: Confidence::High,
        field: field.map(Into::into),
        masked: format!("mask-{fp}"),
        fingerprint: format!("{fp:0>32}"),
        evidence: Evidence::Value,
        lowered: None,
        test: false,
        suppressed: None,
        modified: Some(noon(day(2025, 5, 1))),
        commit: None,
        author_date: None,
        value: None,
        subject: None,
    }
}

fn purpose(id: &str, categories: &[Category], months: u32, locations: &[&str]) -> Purpose {
    Purpose {
        id: id.to_string(),
        title: format!("Purpose {id}"),
        categories: categories.to_vec(),
        retention: Retention::Months(months),
        legal_basis: Some("consent".to_string()),
        locations: locations.iter().map(|l| l.to_string()).collect(),
    }
}

fn policy(purposes: Vec<Purpose>, prohibited: &[Category]) -> Policy {
    Policy {
        purposes,
        prohibited: prohibited.to_vec(),
        ..Policy::default()
    }
}

fn row<'a>(inv: &'a Inventory, location: &str, category: Category) -> &'a InventoryRow {
    inv.rows
        .iter()
        .find(|r| r.location == location && r.category == category)
        .unwrap_or_else(|| panic!("no row for {location} / {category}: {:#?}", inv.rows))
}

#[test]
fn aggregates_one_row_per_location_and_category() {
    let mut low = finding(
        "db/crm.sql",
        Some("clients.email"),
        Category::Email,
        40,
        "b",
    );
    low.confidence = Confidence::Low;
    let findings = vec![
        finding(
            "db/crm.sql",
            Some("clients.email"),
            Category::Email,
            12,
            "a",
        ),
        low,
        finding("db/crm.sql", Some("clients.email"), Category::Email, 7, "a"),
        finding(
            "db/crm.sql",
            Some("clients.phone"),
            Category::Phone,
            12,
            "c",
        ),
        finding("logs/app.log", None, Category::Email, 3, "a"),
        finding("logs/app.log", None, Category::Phone, 5, "c"),
        finding("logs/app.log", None, Category::Phone, 9, "d"),
    ];
    let inv = inventory::build(&findings, None, today());
    assert_eq!(inv.rows.len(), 4, "{:#?}", inv.rows);

    let emails = row(&inv, "db/crm.sql#clients.email", Category::Email);
    assert_eq!(emails.path, "db/crm.sql");
    assert_eq!(emails.field.as_deref(), Some("clients.email"));
    assert_eq!(emails.count, 3);
    assert_eq!(emails.distinct, 2);
    assert_eq!((emails.first_line, emails.last_line), (7, 40));
    assert_eq!(emails.confidence, Confidence::High);
    assert_eq!(emails.evidence, vec![Evidence::Value]);
    assert_eq!(emails.examples, vec!["mask-a", "mask-b"]);
    assert_eq!(emails.modified.as_deref(), Some("2025-05-01"));

    let phones = row(&inv, "logs/app.log", Category::Phone);
    assert_eq!(phones.field, None);
    assert_eq!((phones.count, phones.distinct), (2, 2));
    assert_eq!((phones.first_line, phones.last_line), (5, 9));

    let locations: Vec<&str> = inv.rows.iter().map(|r| r.location.as_str()).collect();
    let mut sorted = locations.clone();
    sorted.sort();
    assert_eq!(locations, sorted, "rows come sorted by location");
}

#[test]
fn suppressed_and_test_values_stay_out_of_the_rows() {
    let mut allowed = finding("a.txt", None, Category::Email, 1, "a");
    allowed.suppressed = Some("inline".to_string());
    let mut sandbox = finding("a.txt", None, Category::Card, 2, "b");
    sandbox.test = true;
    let kept = finding("a.txt", None, Category::Email, 3, "c");
    let inv = inventory::build(&[allowed, sandbox, kept], None, today());
    assert_eq!(inv.rows.len(), 1);
    assert_eq!(row(&inv, "a.txt", Category::Email).count, 1);
    assert_eq!(inv.test_values, 1);
}

#[test]
fn column_name_evidence_counts_no_values() {
    let mut named = finding("x.csv", Some("iin"), Category::Iin, 1, "col");
    named.evidence = Evidence::ColumnName;
    named.confidence = Confidence::Low;
    named.masked = String::new();
    let inv = inventory::build(&[named], None, today());
    let r = row(&inv, "x.csv#iin", Category::Iin);
    assert_eq!((r.count, r.distinct), (1, 0));
    assert_eq!(r.evidence, vec![Evidence::ColumnName]);
    assert!(r.examples.is_empty());
    assert!(
        !inv.rows.iter().any(|r| r.category == Category::BirthDate),
        "a hashed IIN column says nothing about birth dates"
    );
}

#[test]
fn without_a_policy_everything_is_undeclared() {
    let findings = vec![
        finding("a.txt", None, Category::Email, 1, "a"),
        finding("b.txt", None, Category::Card, 1, "b"),
    ];
    let inv = inventory::build(&findings, None, today());
    assert!(inv.rows.iter().all(|r| r.status == Status::Undeclared));
    assert!(inv.rows.iter().all(|r| r.purposes.is_empty()));
    assert!(inv.purposes.is_empty());
    assert_eq!(inv.status_count(Status::Undeclared).rows, 2);
    assert_eq!(inv.status_count(Status::Declared).rows, 0);
}

#[test]
fn each_status() {
    let p = policy(
        vec![
            purpose("support", &[Category::Email, Category::Phone], 36, &[]),
            purpose("payroll", &[Category::Iban], 60, &["hr/**"]),
            purpose("payments", &[Category::Card], 36, &[]),
        ],
        &[Category::Card],
    );
    let mut old = finding("backup/2019.sql", None, Category::Email, 1, "a");
    old.modified = Some(noon(day(2019, 3, 1)));
    let findings = vec![
        finding("crm/export.csv", Some("email"), Category::Email, 2, "b"),
        finding("hr/payroll.csv", Some("iban"), Category::Iban, 2, "c"),
        finding("logs/app.log", None, Category::Iban, 7, "c"),
        finding("logs/app.log", None, Category::Card, 8, "d"),
        finding("logs/app.log", None, Category::Bin, 9, "e"),
        old,
    ];
    let inv = inventory::build(&findings, Some(&p), today());

    let declared = row(&inv, "crm/export.csv#email", Category::Email);
    assert_eq!(declared.status, Status::Declared);
    assert_eq!(declared.purposes, vec!["support"]);

    let in_hr = row(&inv, "hr/payroll.csv#iban", Category::Iban);
    assert_eq!(in_hr.status, Status::Declared);
    assert_eq!(in_hr.purposes, vec!["payroll"]);

    let stray = row(&inv, "logs/app.log", Category::Iban);
    assert_eq!(stray.status, Status::OutOfPlace);
    assert_eq!(
        stray.purposes,
        vec!["payroll"],
        "names who declares it elsewhere"
    );

    let card = row(&inv, "logs/app.log", Category::Card);
    assert_eq!(
        card.status,
        Status::Prohibited,
        "prohibited wins over declared"
    );

    let bin = row(&inv, "logs/app.log", Category::Bin);
    assert_eq!(bin.status, Status::Undeclared);
    assert!(bin.purposes.is_empty());

    let overdue = row(&inv, "backup/2019.sql", Category::Email);
    assert_eq!(overdue.status, Status::PastRetention);
    assert_eq!(overdue.purposes, vec!["support"]);
    assert!(overdue.note.contains("2019-03-01"), "{}", overdue.note);
    assert!(overdue.note.contains("2022-06-01"), "{}", overdue.note);

    for status in Status::ALL {
        assert_eq!(
            inv.status_count(status).rows,
            1 + u64::from(status == Status::Declared)
        );
    }
}

#[test]
fn past_retention_is_judged_against_the_cutoff_day() {
    let p = policy(vec![purpose("support", &[Category::Email], 36, &[])], &[]);
    let cutoff = day(2022, 6, 1);
    let status_on = |date: NaiveDate| {
        let mut f = finding("a.txt", None, Category::Email, 1, "a");
        f.modified = Some(noon(date));
        inventory::build(&[f], Some(&p), today()).rows[0].status
    };
    assert_eq!(status_on(cutoff), Status::Declared);
    assert_eq!(status_on(cutoff.pred_opt().unwrap()), Status::PastRetention);
    let mut unknown_date = finding("a.txt", None, Category::Email, 1, "a");
    unknown_date.modified = None;
    assert_eq!(
        inventory::build(&[unknown_date], Some(&p), today()).rows[0].status,
        Status::Declared,
        "without a date nothing can be judged overdue"
    );
}

#[test]
fn the_longest_covering_retention_counts() {
    let four_years_ago = noon(day(2021, 6, 1));
    let with = |purposes: Vec<Purpose>| {
        let mut f = finding("srv/crm/a.sql", None, Category::Phone, 1, "a");
        f.modified = Some(four_years_ago);
        inventory::build(&[f], Some(&policy(purposes, &[])), today()).rows[0].clone()
    };
    let short = purpose("sms", &[Category::Phone], 12, &[]);
    assert_eq!(with(vec![short.clone()]).status, Status::PastRetention);
    let long = purpose("contracts", &[Category::Phone], 60, &[]);
    let both = with(vec![short.clone(), long]);
    assert_eq!(both.status, Status::Declared);
    assert_eq!(both.purposes, vec!["sms", "contracts"]);
    assert_eq!(both.note, "declared by sms, contracts (retention 5y)");
    let many = with(vec![
        short.clone(),
        purpose("a", &[Category::Phone], 12, &[]),
        purpose("b", &[Category::Phone], 12, &[]),
    ]);
    assert_eq!(many.status, Status::PastRetention);
    assert_eq!(many.purposes.len(), 3, "the row names every purpose");
    assert!(
        many.note
            .ends_with("older than the 1y retention of sms, a and 1 more"),
        "the note names a few: {}",
        many.note
    );
    let long_elsewhere = purpose("contracts", &[Category::Phone], 60, &["contracts/**"]);
    assert_eq!(
        with(vec![short.clone(), long_elsewhere]).status,
        Status::PastRetention,
        "a purpose that does not cover the location does not extend its retention"
    );
    let mut unlimited = purpose("archive", &[Category::Phone], 0, &[]);
    unlimited.retention = Retention::Unlimited;
    assert_eq!(with(vec![short, unlimited]).status, Status::Declared);
}

#[test]
fn archive_members_are_judged_on_their_own_dates() {
    let p = policy(
        vec![purpose("crm", &[Category::Email], 36, &["backups/**"])],
        &[],
    );
    let mut old_member = finding(
        "backups/all.tar!2019/crm.sql",
        None,
        Category::Email,
        1,
        "a",
    );
    old_member.modified = Some(noon(day(2019, 1, 1)));
    let mut new_member = finding(
        "backups/all.tar!2025/crm.sql",
        None,
        Category::Email,
        1,
        "a",
    );
    new_member.modified = Some(noon(day(2025, 1, 1)));
    let inv = inventory::build(&[old_member, new_member], Some(&p), today());
    assert_eq!(
        row(&inv, "backups/all.tar!2019/crm.sql", Category::Email).status,
        Status::PastRetention
    );
    assert_eq!(
        row(&inv, "backups/all.tar!2025/crm.sql", Category::Email).status,
        Status::Declared
    );
}

#[test]
fn field_globs_place_columns() {
    let p = policy(
        vec![purpose(
            "crm",
            &[Category::Email],
            36,
            &["db/*.sql#clients.*"],
        )],
        &[],
    );
    let findings = vec![
        finding(
            "db/main.sql",
            Some("clients.email"),
            Category::Email,
            1,
            "a",
        ),
        finding("db/main.sql", Some("audit.actor"), Category::Email, 2, "a"),
    ];
    let inv = inventory::build(&findings, Some(&p), today());
    assert_eq!(
        row(&inv, "db/main.sql#clients.email", Category::Email).status,
        Status::Declared
    );
    assert_eq!(
        row(&inv, "db/main.sql#audit.actor", Category::Email).status,
        Status::OutOfPlace
    );
}

#[test]
fn iins_imply_birth_dates_with_their_own_status() {
    let iin = |path: &str, line: u64, fp: &str| finding(path, Some("iin"), Category::Iin, line, fp);
    let findings = vec![
        iin("a.csv", 2, "1"),
        iin("a.csv", 3, "2"),
        iin("a.csv", 9, "1"),
    ];

    let undeclared = policy(vec![purpose("kyc", &[Category::Iin], 60, &[])], &[]);
    let inv = inventory::build(&findings, Some(&undeclared), today());
    let born = row(&inv, "a.csv#iin", Category::BirthDate);
    assert_eq!(born.evidence, vec![Evidence::Derived]);
    assert_eq!((born.count, born.distinct), (3, 2));
    assert_eq!((born.first_line, born.last_line), (2, 9));
    assert!(
        born.examples.is_empty(),
        "a derived row has no masked values"
    );
    assert_eq!(born.status, Status::Undeclared);
    assert_eq!(
        row(&inv, "a.csv#iin", Category::Iin).status,
        Status::Declared
    );

    let declared = policy(
        vec![purpose(
            "kyc",
            &[Category::Iin, Category::BirthDate],
            60,
            &[],
        )],
        &[],
    );
    let inv = inventory::build(&findings, Some(&declared), today());
    assert_eq!(
        row(&inv, "a.csv#iin", Category::BirthDate).status,
        Status::Declared
    );
}

#[test]
fn minors_and_sex_are_counted_per_distinct_iin() {
    let holder = |fp: &str, minor: bool, sex: Sex| {
        let mut f = finding("people.csv", Some("iin"), Category::Iin, 1, fp);
        f.subject = Some(SubjectTraits {
            minor,
            sex: Some(sex),
        });
        f
    };
    let findings = vec![
        holder("1", true, Sex::Female),
        holder("1", true, Sex::Female),
        holder("2", true, Sex::Male),
        holder("3", false, Sex::Female),
        holder("4", false, Sex::Male),
        holder("4", false, Sex::Male),
        holder("5", false, Sex::Male),
    ];
    let s = inventory::build(&findings, None, today()).subjects;
    assert_eq!(s.people, 5);
    assert_eq!(s.minors, 2);
    assert_eq!((s.female, s.male), (2, 3));
}

#[test]
fn declared_but_unseen_categories_are_listed_per_purpose() {
    let p = policy(
        vec![
            purpose(
                "crm",
                &[Category::Email, Category::Phone, Category::PersonName],
                36,
                &["crm/**"],
            ),
            purpose("marketing", &[Category::Email], 12, &[]),
            purpose("cookies", &[Category::OnlineIdentifier], 12, &[]),
        ],
        &[],
    );
    let findings = vec![
        finding("crm/clients.csv", Some("email"), Category::Email, 2, "a"),
        finding("crm/clients.csv", Some("email"), Category::Email, 3, "b"),
        finding("logs/app.log", None, Category::Phone, 1, "c"),
    ];
    let inv = inventory::build(&findings, Some(&p), today());
    let by_id = |id: &str| inv.purposes.iter().find(|p| p.id == id).unwrap();

    let crm = by_id("crm");
    assert_eq!(crm.seen, vec![Category::Email]);
    assert_eq!(
        crm.unseen,
        vec![Category::Phone, Category::PersonName],
        "phone only turned up outside crm/"
    );
    assert_eq!((crm.rows, crm.findings), (1, 2));
    assert_eq!(crm.retention, "3y");

    assert_eq!(by_id("marketing").unseen, Vec::<Category>::new());
    assert_eq!(by_id("cookies").unseen, vec![Category::OnlineIdentifier]);
    let unseen: Vec<&str> = inv.unseen().map(|p| p.id.as_str()).collect();
    assert_eq!(unseen, vec!["crm", "cookies"]);
}

#[test]
fn the_gate_classifier_agrees_with_the_rows() {
    let p = policy(
        vec![purpose("support", &[Category::Email], 36, &["crm/**"])],
        &[Category::Card],
    );
    let mut old = finding("crm/old.csv", None, Category::Email, 1, "a");
    old.modified = Some(noon(day(2020, 1, 1)));
    let findings = vec![
        finding("crm/a.csv", None, Category::Email, 1, "a"),
        finding("logs/a.log", None, Category::Email, 1, "a"),
        finding("logs/a.log", None, Category::Card, 1, "b"),
        finding("logs/a.log", None, Category::Phone, 1, "c"),
        old,
    ];
    let inv = inventory::build(&findings, Some(&p), today());
    let classifier = Classifier::new(Some(&p), today());
    for f in &findings {
        let location = match &f.field {
            Some(field) => format!("{}#{field}", f.path),
            None => f.path.to_string(),
        };
        let r = row(&inv, &location, f.category);
        assert_eq!(classifier.classify(f), (r.status, r.purposes.clone()));
        assert_eq!(
            inventory::classify(f, Some(&p), today()),
            (r.status, r.purposes.clone())
        );
    }
}

#[test]
fn classify_follows_a_changed_policy() {
    // `classify` keeps the last compiled policy; a different one must not
    // be judged with stale globs.
    let finding = finding("hr/payroll.csv", None, Category::Iban, 1, "a");
    let in_hr = policy(
        vec![purpose("payroll", &[Category::Iban], 60, &["hr/**"])],
        &[],
    );
    let elsewhere = policy(
        vec![purpose("payroll", &[Category::Iban], 60, &["finance/**"])],
        &[],
    );
    for _ in 0..2 {
        assert_eq!(
            inventory::classify(&finding, Some(&in_hr), today()).0,
            Status::Declared
        );
        assert_eq!(
            inventory::classify(&finding, Some(&elsewhere), today()).0,
            Status::OutOfPlace
        );
    }
    assert_eq!(
        inventory::classify(&finding, None, today()).0,
        Status::Undeclared
    );
}
