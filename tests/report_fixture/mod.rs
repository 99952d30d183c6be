//! A small, realistic inventory built by hand (no detectors, no policy
//! parser): a shop with a CRM dump, logs, an HR export and an old backup,
//! and a policy with every status represented.
#![allow(dead_code)]

use chrono::NaiveDate;
use tizim::detect::{FingerprintKey, KeyScope};
use tizim::gate::GateConfig;
use tizim::inventory::{self, Inventory};
use tizim::model::{Category, Confidence, Evidence, Finding, ScanError, Sex, SubjectTraits};
use tizim::policy::{Operator, Policy, Purpose, Retention};
use tizim::report::{self, Format, Report};
use tizim::scan::ScanSummary;

pub const TODAY: &str = "2025-06-01";

pub fn today() -> NaiveDate {
    TODAY.parse().unwrap()
}

fn unix(date: &str) -> i64 {
    let d: NaiveDate = date.parse().unwrap();
    d.and_hms_opt(9, 30, 0).unwrap().and_utc().timestamp()
}

/// The fixture's fingerprint key: a shared one, so SARIF carries value
/// fingerprints as it does for a team with a key file.
pub fn fixture_key() -> &'static FingerprintKey {
    static KEY: std::sync::OnceLock<FingerprintKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        FingerprintKey::from_secret(b"report fixture key, 32 bytes long", KeyScope::Shared)
    })
}

pub struct Sample {
    pub findings: Vec<Finding>,
    pub policy: Policy,
    pub summary: ScanSummary,
}

impl Sample {
    pub fn inventory(&self, with_policy: bool) -> Inventory {
        inventory::build(&self.findings, with_policy.then_some(&self.policy), today())
    }

    /// The sample rendered as `format`, with `gate` (by default the default
    /// gate for the policy), and the inventory it shows.
    pub fn render(
        &self,
        format: Format,
        with_policy: bool,
        gate: Option<&GateConfig>,
    ) -> (String, Inventory) {
        let inventory = self.inventory(with_policy);
        let policy = with_policy.then_some(&self.policy);
        let report = Report {
            findings: &self.findings,
            inventory: &inventory,
            policy,
            summary: &self.summary,
            detectors: &[],
            key: fixture_key(),
        };
        let default_gate = GateConfig::default_for(policy);
        let mut out = Vec::new();
        report::render(
            format,
            &report,
            gate.unwrap_or(&default_gate),
            today(),
            &mut out,
        )
        .unwrap();
        (String::from_utf8(out).unwrap(), inventory)
    }
}

fn finding(
    path: &str,
    field: Option<&str>,
    category: Category,
    line: u64,
    masked: &str,
    id: u32,
    modified: &str,
) -> Finding {
    Finding {
        path: path.into(),
        line,
        column: 5,
        category,
        detector: category.id().into(),
        confidence: Confidence::High,
        field: field.map(Into::into),
        masked: masked.to_string(),
        fingerprint: format!("{:032x}", (category as u128) << 64 | u128::from(id)),
        evidence: Evidence::Value,
        lowered: None,
        test: false,
        suppressed: None,
        modified: Some(unix(modified)),
        commit: None,
        author_date: None,
        value: None,
        subject: None,
    }
}

fn purpose(
    id: &str,
    title: &str,
    categories: &[Category],
    retention: Retention,
    locations: &[&str],
) -> Purpose {
    Purpose {
        id: id.to_string(),
        title: title.to_string(),
        categories: categories.to_vec(),
        retention,
        legal_basis: Some("согласие субъекта".to_string()),
        locations: locations.iter().map(|l| l.to_string()).collect(),
    }
}

pub fn sample() -> Sample {
    use Category::*;
    let root = "/srv/shop";
    let p = |rel: &str| format!("{root}/{rel}");
    let mut findings = Vec::new();
    let fresh = "2025-05-20";

    // CRM dump: names, IINs (two minors), phones, e-mails.
    let crm = p("db/crm.sql");
    for i in 0..12u32 {
        let line = 40 + u64::from(i);
        let mut iin = finding(
            &crm,
            Some("public.clients.iin"),
            Iin,
            line,
            "******4567",
            i,
            fresh,
        );
        iin.subject = Some(SubjectTraits {
            minor: i < 2,
            sex: Some(if i % 2 == 0 { Sex::Female } else { Sex::Male }),
        });
        findings.push(iin);
        findings.push(finding(
            &crm,
            Some("public.clients.phone"),
            Phone,
            line,
            "+7 7** *** ** 12",
            i,
            fresh,
        ));
        findings.push(finding(
            &crm,
            Some("public.clients.email"),
            Email,
            line,
            "a***@m***.kz",
            i % 9,
            fresh,
        ));
    }
    let mut named = finding(
        &crm,
        Some("public.clients.full_name"),
        PersonName,
        38,
        "",
        0,
        fresh,
    );
    named.evidence = Evidence::ColumnName;
    named.confidence = Confidence::Low;
    findings.push(named);

    // Application log: e-mails and phones (declared), a card (prohibited), an IBAN (out of place).
    let log = p("logs/app-2025-05-20.log");
    for i in 0..30u32 {
        findings.push(finding(
            &log,
            None,
            Email,
            3 + u64::from(i) * 7,
            "i***@g***.com",
            i % 11,
            fresh,
        ));
    }
    findings.push(finding(
        &log,
        None,
        Phone,
        88,
        "+7 70* *** ** 45",
        77,
        fresh,
    ));
    findings.push(finding(
        &log,
        None,
        Card,
        120,
        "4400 43** **** 0142",
        1,
        fresh,
    ));
    findings.push(finding(
        &log,
        None,
        Card,
        188,
        "5169 49** **** 5521",
        2,
        fresh,
    ));
    findings.push(finding(
        &log,
        None,
        Iban,
        140,
        "KZ86 125K **** **** 0001",
        3,
        fresh,
    ));

    // HR export: IBANs declared by payroll, and an ID document number nobody declared.
    let hr = p("hr/payroll-2025.csv");
    for i in 0..5u32 {
        findings.push(finding(
            &hr,
            Some("iban"),
            Iban,
            2 + u64::from(i),
            "KZ** **** **** **** 12",
            10 + i,
            fresh,
        ));
        findings.push(finding(
            &hr,
            Some("passport_no"),
            IdDocument,
            2 + u64::from(i),
            "N1****78",
            i,
            fresh,
        ));
    }

    // An old backup, inside an archive: past retention.
    let backup = p("backups/crm-2019.tar.gz!crm-2019.sql");
    for i in 0..8u32 {
        findings.push(finding(
            &backup,
            Some("clients.email"),
            Email,
            100 + u64::from(i),
            "o***@m***.kz",
            200 + i,
            "2019-03-01",
        ));
        findings.push(finding(
            &backup,
            Some("clients.phone"),
            Phone,
            100 + u64::from(i),
            "+7 70* *** ** 99",
            200 + i,
            "2019-03-01",
        ));
    }

    // Suppressed and test values: never counted.
    let mut allowed = finding(
        &p("src/fixtures.py"),
        None,
        Email,
        4,
        "t***@e***.com",
        999,
        fresh,
    );
    allowed.suppressed = Some("inline".to_string());
    findings.push(allowed);
    let mut sandbox = finding(
        &p("src/fixtures.py"),
        None,
        Card,
        9,
        "4111 11** **** 1111",
        998,
        fresh,
    );
    sandbox.test = true;
    findings.push(sandbox);

    findings.sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));

    let policy = Policy {
        operator: Operator {
            name: "ТОО «Demo Shop»".to_string(),
            bin: Some("123456789012".to_string()),
        },
        purposes: vec![
            purpose(
                "support",
                "Коммуникация по заявке пользователя",
                &[PersonName, Email, Phone, Iin],
                Retention::Months(36),
                &[],
            ),
            purpose(
                "payroll",
                "Payroll",
                &[Iban, PersonName],
                Retention::Months(60),
                &["hr/**"],
            ),
            purpose(
                "marketing",
                "Рассылка маркетинговых материалов",
                &[Email, OnlineIdentifier],
                Retention::Months(36),
                &["crm/**"],
            ),
        ],
        prohibited: vec![Card],
        ..Policy::default()
    };

    let mut summary = ScanSummary::default();
    summary.stats.files_scanned = 5;
    summary.stats.bytes_scanned = 3 << 20;
    summary.stats.findings = findings.iter().filter(|f| f.suppressed.is_none()).count() as u64;
    summary.stats.suppressed = 1;
    summary.stats.errors = 1;
    summary.stats.elapsed_ms = 420;
    summary.errors.push(ScanError {
        path: p("backups/broken.zip"),
        message: "invalid Zip archive: could not find central directory end".to_string(),
    });
    Sample {
        findings,
        policy,
        summary,
    }
}
