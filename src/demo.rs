//! The embedded demo: a small company tree with personal data in every
//! status, and the real privacy policy its `tizim.toml` is drafted from.
//!
//! The draft says *what* the company processes and for *how long*; a policy
//! text cannot say *where*, so the demo appends one purpose of its own with
//! explicit locations (payroll data under `hr/`). That is what makes an IBAN
//! in the application log out of place, and an old payroll archive past
//! retention, whatever the draft holds.
//!
//! Every value below is synthetic but valid (IIN and BIN checksums, Luhn,
//! IBAN mod 97), so the detectors find them as they would real ones.

use crate::policy::import;
use flate2::write::GzEncoder;
use flate2::Compression;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The privacy policy the demo drafts from: a real one (see
/// `fixtures/policies/README.md`). It promises never to store card data and
/// keeps data for 3 years.
pub const PRIVACY_POLICY: &str = include_str!("../fixtures/policies/anysoft-rasco.txt");
pub const PRIVACY_POLICY_NAME: &str = "anysoft-rasco.txt";

/// Appended to the draft: where the demo company keeps payroll data.
pub const DEMO_LOCATIONS: &str = r#"

# ---------------------------------------------------------------------------
# Added by `tizim demo`, not drafted from the privacy policy: a policy text
# says what and how long, but not where. This purpose is pinned to hr/, so
# payroll data anywhere else is out-of-place.
[[purpose]]
id = "payroll"
title = "Payroll and employment records (demo)"
categories = ["person_name", "iin", "iban"]
retention = "5y"
legal_basis = "Labour Code of the Republic of Kazakhstan"
locations = ["hr/**"]
"#;

/// What [`write_demo_tree`] made.
#[derive(Debug, Clone)]
pub struct DemoTree {
    /// The directory holding everything.
    pub root: PathBuf,
    /// The company's files: what the demo scans.
    pub data: PathBuf,
    /// The drafted and completed policy file.
    pub policy: PathBuf,
    /// The privacy-policy text the draft came from.
    pub privacy_policy: PathBuf,
}

/// 2019-03-01 and 2018-06-30, 12:00 UTC: beyond any 3- or 5-year retention
/// once the demo runs (it was written in 2025).
const CRM_BACKUP_DATE: u64 = 1_551_441_600;
const PAYROLL_ARCHIVE_DATE: u64 = 1_530_360_000;

const CRM_EXPORT: &str = "\
id,ФИО,ИИН,Телефон,E-mail,Дата регистрации
1,Нурланова Айгерим Сериковна,920705400388,+7 701 412 33 21,aigerim.n@mail.kz,2024-02-11
2,Сейткали Данияр Ерланович,850312300391,+7 777 215 40 18,d.seitkali@gmail.com,2024-03-02
3,Ахметова Жанар Болатовна,881122400381,+7 747 555 01 92,zhanar.akhmetova@inbox.kz,2024-04-19
4,Омаров Тимур Асланович,780101300387,+7 705 318 77 40,t.omarov@yandex.kz,2024-05-27
5,Касымова Алия Маратовна,951230400384,+7 702 640 19 55,aliya.kasymova@mail.ru,2024-06-30
";

const CRM_DUMP: &str = "\
--
-- PostgreSQL database dump
--

SET statement_timeout = 0;
SET client_encoding = 'UTF8';

CREATE TABLE public.clients (
    id integer NOT NULL,
    full_name text,
    iin character varying(12),
    phone text,
    email text,
    created_at timestamp without time zone
);

CREATE TABLE public.kids_club (
    id integer NOT NULL,
    parent_id integer,
    child_name text,
    child_iin character varying(12)
);

COPY public.clients (id, full_name, iin, phone, email, created_at) FROM stdin;
1\tНурланова Айгерим\t920705400388\t+77014123321\taigerim.n@mail.kz\t2024-02-11 10:22:01
2\tСейткали Данияр\t850312300391\t+77772154018\td.seitkali@gmail.com\t2024-03-02 09:01:44
3\tАхметова Жанар\t881122400381\t+77475550192\tzhanar.akhmetova@inbox.kz\t2024-04-19 18:40:12
4\tБекова Мадина\t010215500380\t+77087710345\tmadina.bekova@gmail.com\t2024-07-08 12:00:00
\\.

COPY public.kids_club (id, parent_id, child_name, child_iin) FROM stdin;
1\t1\tНурланова Аружан\t120418600383
2\t2\tСейткали Алихан\t090923500384
3\t3\tАхметова Дана\t130601600380
4\t2\tСейткали Арман\t151025500389
\\.

--
-- PostgreSQL database dump complete
--
";

const SHOP_DUMP: &str = "\
-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)
--
-- Host: localhost    Database: shop
-- ------------------------------------------------------

DROP TABLE IF EXISTS `orders`;
CREATE TABLE `orders` (
  `id` int NOT NULL AUTO_INCREMENT,
  `email` varchar(255) DEFAULT NULL,
  `card_number` varchar(19) DEFAULT NULL,
  `amount` decimal(10,2) DEFAULT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

LOCK TABLES `orders` WRITE;
INSERT INTO `orders` VALUES (1,'d.seitkali@gmail.com','4400430180012350',15990.00),(2,'aigerim.n@mail.kz','5395452170012350',4500.00),(3,'t.omarov@yandex.kz',NULL,12000.00);
UNLOCK TABLES;
";

const APP_LOG: &str = "\
2025-05-01T10:02:11Z INFO  auth: login ok user=aigerim.n@mail.kz
2025-05-01T10:04:57Z INFO  auth: login ok user=d.seitkali@gmail.com
2025-05-01T10:05:42Z WARN  payment: declined, card=4400430180012350 user=d.seitkali@gmail.com
2025-05-01T10:07:03Z INFO  sms: sent confirmation code to +77772154018
2025-05-01T11:15:00Z ERROR payout: rejected account KZ18722S000012345678 for iin=850312300391
2025-05-01T11:16:30Z INFO  auth: login ok user=zhanar.akhmetova@inbox.kz
";

const PAYROLL: &str = "\
full_name,iin,iban,salary
Омаров Тимур Асланович,780101300387,KZ16601A871001234567,650000
Исаева Гульнара Ержановна,660514300388,KZ30125KZT2001300335,540000
";

const PAYROLL_2018: &str = "\
full_name,iin,iban,salary
Омаров Тимур Асланович,780101300387,KZ16601A871001234567,410000
Жумабаев Ерлан Кайратович,881122400381,KZ699143988888000012,380000
";

const CRM_BACKUP_2019: &str = "\
-- CRM export, March 2019
INSERT INTO clients (id, email, phone) VALUES (1, 'old.client@mail.kz', '+77011112233');
INSERT INTO clients (id, email, phone) VALUES (2, 'aigerim.n@mail.kz', '+77014123321');
";

/// The mobile app's SQLite database (`app/app.db`): a users table whose
/// IINs are kept as integers (one has lost its leading zero), with a
/// row-time column, so the demo shows a database beside the files.
fn write_app_db(path: &Path) -> io::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    let _ = fs::remove_file(path);
    let db = rusqlite::Connection::open(path).map_err(io::Error::other)?;
    db.execute_batch(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, full_name TEXT, iin INTEGER, \
                             phone TEXT, email TEXT, created_at TEXT);
         INSERT INTO users VALUES
           (1, 'Ахметова Ольга Сергеевна', 50722600456, '+7 702 124 24 86', 'olga.a@mail.kz', '2023-09-14'),
           (2, 'Нурланова Айгерим Сериковна', 920705400388, '+7 701 412 33 21', 'aigerim.n@mail.kz', '2024-02-11'),
           (3, 'Омаров Тимур Асланович', 780101300387, '+7 705 318 77 40', 't.omarov@yandex.kz', '2024-05-27');",
    )
    .map_err(io::Error::other)
}

fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(path, bytes)
}

fn set_mtime(path: &Path, unix_seconds: u64) -> io::Result<()> {
    fs::File::options()
        .write(true)
        .open(path)?
        .set_modified(UNIX_EPOCH + Duration::from_secs(unix_seconds))
}

fn gzip(bytes: &[u8]) -> io::Result<Vec<u8>> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(bytes)?;
    gz.finish()
}

/// A `.tar.gz` of one member dated `mtime`.
fn tar_gz(member: &str, bytes: &[u8], mtime: u64) -> io::Result<Vec<u8>> {
    let mut tar = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(bytes.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(mtime);
    header.set_cksum();
    tar.append_data(&mut header, member, bytes)?;
    gzip(&tar.into_inner()?)
}

/// Writes the demo tree under `dir`: the privacy-policy text, `tizim.toml`
/// drafted from it (plus [`DEMO_LOCATIONS`]), and the company's files under
/// `company/`.
pub fn write_demo_tree(dir: &Path) -> io::Result<DemoTree> {
    let tree = DemoTree {
        root: dir.to_path_buf(),
        data: dir.join("company"),
        policy: dir.join("tizim.toml"),
        privacy_policy: dir.join("privacy-policy.txt"),
    };
    write(&tree.privacy_policy, PRIVACY_POLICY.as_bytes())?;
    let draft = import::draft(PRIVACY_POLICY);
    write(&tree.policy, format!("{draft}{DEMO_LOCATIONS}").as_bytes())?;

    let data = &tree.data;
    write(&data.join("crm/clients-export.csv"), CRM_EXPORT.as_bytes())?;
    write(&data.join("db/crm.sql"), CRM_DUMP.as_bytes())?;
    write(&data.join("db/shop.sql"), SHOP_DUMP.as_bytes())?;
    write(&data.join("logs/app.log"), APP_LOG.as_bytes())?;
    write(&data.join("hr/payroll-2025.csv"), PAYROLL.as_bytes())?;
    write_app_db(&data.join("app/app.db"))?;

    let archive = data.join("hr/archive/payroll-2018.tar.gz");
    write(
        &archive,
        &tar_gz(
            "payroll-2018.csv",
            PAYROLL_2018.as_bytes(),
            PAYROLL_ARCHIVE_DATE,
        )?,
    )?;
    set_mtime(&archive, PAYROLL_ARCHIVE_DATE)?;
    let backup = data.join("backups/crm-2019.sql.gz");
    write(&backup, &gzip(CRM_BACKUP_2019.as_bytes())?)?;
    set_mtime(&backup, CRM_BACKUP_DATE)?;
    Ok(tree)
}

/// A fresh directory for the demo under the system temporary directory.
pub fn temporary_dir() -> io::Result<PathBuf> {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!("tizim-demo-{}-{nanos:09}", std::process::id()));
    fs::create_dir(&dir)?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The IIN / BIN check digit (weights 1–11, then 3–11,1,2).
    fn iin_ok(digits: &str) -> bool {
        let d: Vec<u32> = digits.chars().filter_map(|c| c.to_digit(10)).collect();
        if d.len() != 12 {
            return false;
        }
        let sum = |w: &[u32]| d[..11].iter().zip(w).map(|(a, b)| a * b).sum::<u32>() % 11;
        let mut check = sum(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
        if check == 10 {
            check = sum(&[3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]);
        }
        check < 10 && check == d[11]
    }

    fn luhn_ok(digits: &str) -> bool {
        let sum: u32 = digits
            .chars()
            .rev()
            .filter_map(|c| c.to_digit(10))
            .enumerate()
            .map(|(i, x)| match (i % 2 == 1, x * 2) {
                (true, y) if y > 9 => y - 9,
                (true, y) => y,
                (false, _) => x,
            })
            .sum();
        sum % 10 == 0
    }

    fn iban_ok(iban: &str) -> bool {
        let rearranged = format!("{}{}", &iban[4..], &iban[..4]);
        let mut rem = 0u32;
        for c in rearranged.chars() {
            let v = c.to_digit(36).unwrap();
            rem = if v >= 10 {
                (rem * 100 + v) % 97
            } else {
                (rem * 10 + v) % 97
            };
        }
        rem == 1
    }

    fn all_text() -> String {
        [
            CRM_EXPORT,
            CRM_DUMP,
            SHOP_DUMP,
            APP_LOG,
            PAYROLL,
            PAYROLL_2018,
            CRM_BACKUP_2019,
        ]
        .concat()
    }

    fn tokens(pattern: &str) -> Vec<String> {
        let re = regex::Regex::new(pattern).unwrap();
        re.find_iter(&all_text())
            .map(|m| m.as_str().to_string())
            .collect()
    }

    #[test]
    fn demo_values_pass_their_checksums() {
        let ids = tokens(r"\b\d{12}\b");
        assert!(ids.len() >= 10, "{ids:?}");
        for id in &ids {
            assert!(iin_ok(id), "{id}");
        }
        let cards = tokens(r"\b\d{16}\b");
        assert_eq!(cards.len(), 3, "{cards:?}");
        for card in &cards {
            assert!(luhn_ok(card), "{card}");
        }
        let ibans = tokens(r"\bKZ\d{2}[0-9A-Z]{16}\b");
        assert!(ibans.len() >= 4, "{ibans:?}");
        for iban in &ibans {
            assert!(iban_ok(iban), "{iban}");
        }
    }

    #[test]
    fn the_tree_has_old_archives_and_a_policy() {
        let dir = tempfile::tempdir().unwrap();
        let tree = write_demo_tree(dir.path()).unwrap();
        let policy = fs::read_to_string(&tree.policy).unwrap();
        assert!(policy.ends_with(DEMO_LOCATIONS));
        for old in ["hr/archive/payroll-2018.tar.gz", "backups/crm-2019.sql.gz"] {
            let modified = fs::metadata(tree.data.join(old))
                .unwrap()
                .modified()
                .unwrap();
            let age = SystemTime::now().duration_since(modified).unwrap();
            assert!(age > Duration::from_secs(5 * 366 * 86_400), "{old}");
        }
        let archive = fs::read(tree.data.join("hr/archive/payroll-2018.tar.gz")).unwrap();
        let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(&archive[..]));
        let member = tar.entries().unwrap().next().unwrap().unwrap();
        assert_eq!(member.header().mtime().unwrap(), PAYROLL_ARCHIVE_DATE);
    }
}
