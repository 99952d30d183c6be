//! Column-name evidence: what a column, header or key name says about its
//! values, in Kazakh, Russian and English; and value-level detection for the
//! categories that only make sense inside such a named field (person names,
//! birth dates, identity documents).
//!
//! Names are matched by *token*, never by substring: `client_iin`,
//! `userPhone`, `contact.email` and `Дата рождения` are split into words
//! first, so `filename`, `bypass`, `compass` and `mailbox_size` stay silent.

use crate::model::{Category, Confidence, Match, Segment};

/// The category a field name suggests (`ИИН`, `phone`, `e-mail`, `fio` …).
///
/// `name` may be a whole field path as structured sources write it
/// (`public.users.iin`, `items[].contacts.phone`, a CSV header, `#3`): the
/// last path component decides, joined by its parent when it is only a
/// generic word (`passport.number`, `card.no`).
pub fn category_for_name(name: &str) -> Option<Category> {
    // Remembered per thread across files: the same keys (`name`, `version`,
    // `id`, a dump's columns) recur in file after file, and working one out
    // costs ~24,000 instructions (7,400 names were 4 % of a scan of a tree
    // of crates' sources, most of it in their JSON files).
    const REMEMBERED: usize = 16 * 1024;
    thread_local! {
        static KNOWN: std::cell::RefCell<std::collections::HashMap<Box<str>, Option<Category>>> =
            std::cell::RefCell::new(std::collections::HashMap::new());
    }
    if let Ok(Some(known)) = KNOWN.try_with(|k| k.borrow().get(name).copied()) {
        return known;
    }
    let category = work_out_category(name);
    let _ = KNOWN.try_with(|k| {
        let mut k = k.borrow_mut();
        if k.len() >= REMEMBERED {
            k.clear();
        }
        k.insert(name.into(), category);
    });
    category
}

fn work_out_category(name: &str) -> Option<Category> {
    if describes_software(name) {
        return None;
    }
    // Headers may contain dots of their own (`Ф.И.О.`, `Дата рожд.`): when
    // the last component says nothing, the whole name is tried as one.
    category_of_last_component(name).or_else(|| categorize(&tokenize(name)))
}

/// Key paths under a software component (`tool.driver.name` in SARIF,
/// `app.owner.email` in a manifest, `plugins[].author.name`) describe
/// programs and their metadata, not the people whose data an operator keeps.
fn describes_software(name: &str) -> bool {
    const SOFTWARE: &[&str] = &[
        "tool",
        "tools",
        "app",
        "application",
        "software",
        "plugin",
        "plugins",
        "extension",
        "extensions",
        "package",
        "packages",
        "dependency",
        "dependencies",
    ];
    let mut components: Vec<&str> = name.split('.').map(|c| c.trim_end_matches("[]")).collect();
    components.pop();
    components
        .iter()
        .any(|c| SOFTWARE.contains(&c.to_ascii_lowercase().as_str()))
}

fn category_of_last_component(name: &str) -> Option<Category> {
    let mut components = name
        .split('.')
        .map(|c| c.trim_end_matches("[]").trim())
        .filter(|c| !c.is_empty() && *c != "[]")
        .rev();
    let last = components.next()?;
    let mut tokens = tokenize(last);
    if !tokens.is_empty() && tokens.iter().all(|t| GENERIC.contains(&t.as_str())) {
        if let Some(parent) = components.next() {
            let mut joined = tokenize(parent);
            joined.extend(tokens);
            tokens = joined;
        }
    }
    categorize(&tokens)
}

/// Words that say nothing on their own (`passport.number`): the parent
/// component is consulted.
const GENERIC: &[&str] = &[
    "number",
    "num",
    "no",
    "nr",
    "value",
    "val",
    "номер",
    "нөмірі",
];

/// Words that turn a PII-looking name into metadata about it:
/// `phone_verified`, `email_sent_at`, `card_type`, `mail_server`, `card_id`.
const STOP: &[&str] = &[
    "verified",
    "verify",
    "verification",
    "confirmed",
    "confirm",
    "confirmation",
    "sent",
    "count",
    "cnt",
    "type",
    "kind",
    "status",
    "flag",
    "template",
    "subject",
    "body",
    "enabled",
    "disabled",
    "is",
    "has",
    "allowed",
    "allow",
    "required",
    "optin",
    "optout",
    "opt",
    "notify",
    "notification",
    "notifications",
    "length",
    "len",
    "format",
    "server",
    "host",
    "port",
    "provider",
    "domain",
    "operator",
    "prefix",
    "country",
    "code",
    "at",
    "date",
    "time",
    "timestamp",
    "updated",
    "created",
    "changed",
    "expiry",
    "expires",
    "exp",
    "brand",
    "bank",
    "issuer",
    "valid",
    "validated",
    "visible",
    "visibility",
    "preference",
    "preferences",
    "setting",
    "settings",
    "policy",
    "source",
    "regex",
    "pattern",
    "label",
    "title",
    "id",
    "ids",
    "uuid",
    "key",
    "fk",
    "ref",
    "file",
    "path",
    "dir",
    "url",
    "link",
    "icon",
    "image",
    "img",
    "size",
    "quota",
    "limit",
    "field",
    "column",
    "example",
    "sample",
    "placeholder",
    "last",
    "attempt",
    "attempts",
    "failed",
    "consent",
    "agreed",
    "accepted",
    "файл",
    "файла",
    // Aggregates about a column, not the column (`iin_holders`, `email_total`).
    "holders",
    "total",
    "totals",
    "sum",
    "avg",
    "average",
    "min",
    "max",
    "distinct",
    "unique",
    "stats",
    "statistics",
    "rate",
    "ratio",
    "percent",
    "share",
    "тип",
    "статус",
    "дата",
];

/// Multi-word names, tried before single words. Every token of the phrase
/// must appear, in this order, contiguously.
const PHRASES: &[(&[&str], Category)] = &[
    (&["individual", "identification", "number"], Category::Iin),
    (&["business", "identification", "number"], Category::Bin),
    (&["card", "number"], Category::Card),
    (&["card", "num"], Category::Card),
    (&["card", "no"], Category::Card),
    (&["credit", "card"], Category::Card),
    (&["cc", "number"], Category::Card),
    (&["номер", "карты"], Category::Card),
    (&["account", "number"], Category::Iban),
    (&["bank", "account"], Category::Iban),
    (&["номер", "счета"], Category::Iban),
    (&["номер", "счёта"], Category::Iban),
    (&["расчетный", "счет"], Category::Iban),
    (&["e", "mail"], Category::Email),
    (&["электронная", "почта"], Category::Email),
    (&["электрондық", "пошта"], Category::Email),
    (&["cell", "phone"], Category::Phone),
    (&["date", "of", "birth"], Category::BirthDate),
    (&["birth", "date"], Category::BirthDate),
    (&["birth", "day"], Category::BirthDate),
    (&["дата", "рождения"], Category::BirthDate),
    (&["дата", "рожд"], Category::BirthDate),
    (&["туған", "күні"], Category::BirthDate),
    (&["туылған", "күні"], Category::BirthDate),
    (&["passport", "number"], Category::IdDocument),
    (&["document", "number"], Category::IdDocument),
    (&["doc", "number"], Category::IdDocument),
    (&["doc", "no"], Category::IdDocument),
    (&["id", "card"], Category::IdDocument),
    (&["national", "id"], Category::IdDocument),
    (&["номер", "документа"], Category::IdDocument),
    (&["уд", "личности"], Category::IdDocument),
    (&["жеке", "куәлік"], Category::IdDocument),
    (&["ф", "и", "о"], Category::PersonName),
    (&["аты", "жөні"], Category::PersonName),
    (&["әкесінің", "аты"], Category::PersonName),
    (&["ip", "address"], Category::IpAddress),
    (&["ip", "addr"], Category::IpAddress),
    (&["remote", "addr"], Category::IpAddress),
    (&["remote", "ip"], Category::IpAddress),
    (&["client", "ip"], Category::IpAddress),
    (&["mac", "address"], Category::OnlineIdentifier),
    (&["device", "id"], Category::OnlineIdentifier),
    (&["advertising", "id"], Category::OnlineIdentifier),
    (&["session", "id"], Category::OnlineIdentifier),
    (&["user", "name"], Category::OnlineIdentifier),
    (&["имя", "пользователя"], Category::OnlineIdentifier),
    (&["face", "template"], Category::Biometric),
    (&["voice", "print"], Category::Biometric),
];

/// Single words. A trailing `*` matches any word starting with the stem
/// (Russian and Kazakh inflect: `телефона`, `паспортные`).
const WORDS: &[(&str, Category)] = &[
    ("iin", Category::Iin),
    ("иин", Category::Iin),
    ("жсн", Category::Iin),
    ("rnn", Category::Iin),
    ("рнн", Category::Iin),
    ("bin", Category::Bin),
    ("бин", Category::Bin),
    ("бсн", Category::Bin),
    ("pan", Category::Card),
    ("cardnumber", Category::Card),
    ("creditcard", Category::Card),
    ("ccnumber", Category::Card),
    ("карта", Category::Card),
    ("карты", Category::Card),
    ("iban", Category::Iban),
    ("iik", Category::Iban),
    ("иик", Category::Iban),
    ("жск", Category::Iban),
    ("email", Category::Email),
    ("emails", Category::Email),
    ("mail", Category::Email),
    ("emailaddress", Category::Email),
    ("почта", Category::Email),
    ("пошта", Category::Email),
    ("емейл", Category::Email),
    ("имейл", Category::Email),
    ("phone", Category::Phone),
    ("phones", Category::Phone),
    ("phonenumber", Category::Phone),
    ("telephone", Category::Phone),
    ("tel", Category::Phone),
    ("mobile", Category::Phone),
    ("mob", Category::Phone),
    ("msisdn", Category::Phone),
    ("cellphone", Category::Phone),
    ("whatsapp", Category::Phone),
    ("fax", Category::Phone),
    ("телефон*", Category::Phone),
    ("тел", Category::Phone),
    ("моб", Category::Phone),
    ("мобильный", Category::Phone),
    ("сотовый", Category::Phone),
    ("ұялы", Category::Phone),
    ("факс", Category::Phone),
    ("dob", Category::BirthDate),
    ("birthday", Category::BirthDate),
    ("birthdate", Category::BirthDate),
    ("dateofbirth", Category::BirthDate),
    ("рождения", Category::BirthDate),
    ("passport", Category::IdDocument),
    ("passportnumber", Category::IdDocument),
    ("idcard", Category::IdDocument),
    ("nationalid", Category::IdDocument),
    ("паспорт*", Category::IdDocument),
    ("удостоверени*", Category::IdDocument),
    ("куәлік", Category::IdDocument),
    ("төлқұжат*", Category::IdDocument),
    ("fio", Category::PersonName),
    ("фио", Category::PersonName),
    ("fullname", Category::PersonName),
    ("firstname", Category::PersonName),
    ("lastname", Category::PersonName),
    ("middlename", Category::PersonName),
    ("surname", Category::PersonName),
    ("patronymic", Category::PersonName),
    ("cardholder", Category::PersonName),
    ("фамилия", Category::PersonName),
    ("имя", Category::PersonName),
    ("отчество", Category::PersonName),
    ("тегі", Category::PersonName),
    ("аты", Category::PersonName),
    ("ip", Category::IpAddress),
    ("ipaddress", Category::IpAddress),
    ("ipv4", Category::IpAddress),
    ("ipv6", Category::IpAddress),
    ("address", Category::Address),
    ("addr", Category::Address),
    ("street", Category::Address),
    ("адрес*", Category::Address),
    ("мекенжай*", Category::Address),
    ("login", Category::OnlineIdentifier),
    ("username", Category::OnlineIdentifier),
    ("nickname", Category::OnlineIdentifier),
    ("deviceid", Category::OnlineIdentifier),
    ("imei", Category::OnlineIdentifier),
    ("idfa", Category::OnlineIdentifier),
    ("gaid", Category::OnlineIdentifier),
    ("cookie", Category::OnlineIdentifier),
    ("логин", Category::OnlineIdentifier),
    ("lat", Category::Location),
    ("lng", Category::Location),
    ("lon", Category::Location),
    ("latitude", Category::Location),
    ("longitude", Category::Location),
    ("geo", Category::Location),
    ("geolocation", Category::Location),
    ("coordinates", Category::Location),
    ("координат*", Category::Location),
    ("геолокац*", Category::Location),
    ("biometric*", Category::Biometric),
    ("биометри*", Category::Biometric),
];

/// Words that make a following `name` / `имя` a person's name
/// (`full_name`, `clientName`), as opposed to `file_name`, `host_name`.
const PERSON_QUALIFIERS: &[&str] = &[
    "full",
    "first",
    "last",
    "middle",
    "given",
    "family",
    "sur",
    "client",
    "customer",
    "person",
    "patient",
    "employee",
    "contact",
    "holder",
    "owner",
    "recipient",
    "sender",
    "payer",
    "payee",
    "applicant",
    "student",
    "driver",
    "passenger",
    "guest",
    "buyer",
    "beneficiary",
];

/// Which category wins when one name suggests several (`email_address` is
/// an e-mail, not an address; `iin_bin` an IIN).
fn priority(c: Category) -> u8 {
    match c {
        Category::Iin => 0,
        Category::Bin => 1,
        Category::Card => 2,
        Category::Iban => 3,
        Category::Email => 4,
        Category::Phone => 5,
        Category::BirthDate => 6,
        Category::IdDocument => 7,
        Category::PersonName => 8,
        Category::IpAddress => 9,
        Category::OnlineIdentifier => 10,
        Category::Biometric => 11,
        Category::Location => 12,
        Category::Address => 13,
    }
}

/// Lower-cased words of a name: split at anything that is not a letter or
/// digit, at lower→upper case changes (`userPhone`, `IINClient`) and
/// between letters and digits (`phone2`).
fn tokenize(name: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                tokens.push(std::mem::take(&mut current));
            }
            continue;
        }
        if let Some(&prev) = i.checked_sub(1).and_then(|p| chars.get(p)) {
            let next = chars.get(i + 1).copied();
            let camel = c.is_uppercase()
                && (prev.is_lowercase()
                    || (prev.is_uppercase() && next.is_some_and(char::is_lowercase)));
            let digit_edge = prev.is_alphanumeric() && (prev.is_numeric() != c.is_numeric());
            if (camel || digit_edge) && !current.is_empty() {
                tokens.push(std::mem::take(&mut current));
            }
        }
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

fn word_matches(pattern: &str, token: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(stem) => token.starts_with(stem),
        None => pattern == token,
    }
}

/// The best category the tokens name, or `None` when nothing matches or a
/// leftover word says the field is metadata (`phone_verified`).
fn categorize(tokens: &[String]) -> Option<Category> {
    let mut used = vec![false; tokens.len()];
    let mut best: Option<Category> = None;
    let consider = |c: Category, best: &mut Option<Category>| match best {
        Some(b) if priority(*b) <= priority(c) => {}
        _ => *best = Some(c),
    };
    for (phrase, category) in PHRASES {
        if phrase.len() > tokens.len() {
            continue;
        }
        for start in 0..=tokens.len() - phrase.len() {
            let window = &tokens[start..start + phrase.len()];
            if window.iter().zip(phrase.iter()).all(|(t, p)| t == p) {
                used[start..start + phrase.len()].fill(true);
                consider(*category, &mut best);
            }
        }
    }
    for (i, token) in tokens.iter().enumerate() {
        if used[i] {
            continue;
        }
        if let Some((_, category)) = WORDS.iter().find(|(w, _)| word_matches(w, token)) {
            used[i] = true;
            consider(*category, &mut best);
        } else if (token == "name" || token == "names")
            && i > 0
            && PERSON_QUALIFIERS.contains(&tokens[i - 1].as_str())
        {
            used[i] = true;
            used[i - 1] = true;
            consider(Category::PersonName, &mut best);
        }
    }
    let best = best?;
    let metadata = tokens
        .iter()
        .zip(&used)
        .any(|(t, &u)| !u && STOP.contains(&t.as_str()));
    (!metadata).then_some(best)
}

/// Value-level detection for categories that only make sense inside a
/// named field (person names, birth dates, document numbers): called for
/// segments whose field name suggested `category`. Looks at
/// `seg.text[seg.report]` as one value.
pub fn scan_field_value(category: Category, seg: &Segment<'_>, out: &mut Vec<Match>) {
    let Some(value) = seg.text.get(seg.report.clone()) else {
        return;
    };
    let (offset, value) = trim_value(value);
    if value.is_empty() {
        return;
    }
    let found = match category {
        Category::PersonName => person_name(value).map(|(n, c)| (n, c, "person-name")),
        Category::BirthDate => birth_date(value).map(|n| (n, Confidence::High, "birth-date-field")),
        Category::IdDocument => id_document(value).map(|(n, c)| (n, c, "id-document-field")),
        _ => None,
    };
    let Some((normalized, confidence, detector)) = found else {
        return;
    };
    let start = seg.report.start + offset;
    let end = start + value.len();
    let before = &seg.text[..start];
    let line_start = memchr::memrchr(b'\n', before.as_bytes()).map_or(0, |i| i + 1);
    out.push(Match {
        start,
        end,
        line: seg.first_line + crate::position::count_newlines(before.as_bytes()),
        column: before[line_start..].chars().count() as u64 + 1,
        category,
        detector,
        confidence,
        normalized,
        test: false,
        lowered: None,
        decoded: None,
    });
}

/// Strips surrounding blanks and one layer of quotes (a SQL value written
/// with a cast, `'1985-03-15'::date`, keeps only the quoted part).
fn trim_value(value: &str) -> (usize, &str) {
    let trimmed = value.trim_start();
    let mut offset = value.len() - trimmed.len();
    let mut v = trimmed.trim_end();
    for q in ['\'', '"'] {
        if let Some(rest) = v.strip_prefix(q) {
            if let Some(close) = rest.find(q) {
                offset += 1;
                v = &rest[..close];
                break;
            }
        }
    }
    let inner = v.trim_start();
    offset += v.len() - inner.len();
    (offset, inner.trim_end())
}

/// Values that fill name columns without being anyone's name.
const NOT_NAMES: &[&str] = &[
    "test",
    "тест",
    "user",
    "admin",
    "administrator",
    "unknown",
    "null",
    "none",
    "nil",
    "undefined",
    "anonymous",
    "guest",
    "client",
    "customer",
    "нет",
    "неизвестно",
    "не",
    "указано",
    "клиент",
    "пользователь",
    "аноним",
    "гость",
    "жоқ",
];

/// Surname and patronymic endings of Kazakh and Russian names, in Cyrillic
/// and in the usual Latin transliteration.
const NAME_ENDINGS: &[&str] = &[
    "ов",
    "ев",
    "ёв",
    "ова",
    "ева",
    "ёва",
    "ин",
    "ина",
    "ын",
    "ына",
    "ский",
    "ская",
    "цкий",
    "цкая",
    "енко",
    "ук",
    "юк",
    "ян",
    "улы",
    "ұлы",
    "кызы",
    "қызы",
    "вич",
    "вна",
    "чна",
    "бек",
    "бай",
    "бекова",
    "ov",
    "ev",
    "ova",
    "eva",
    "in",
    "ina",
    "yn",
    "uly",
    "kyzy",
    "ovich",
    "evich",
    "ovna",
    "evna",
    "sky",
    "skiy",
    "skaya",
    "enko",
    "bek",
    "bay",
];

#[derive(PartialEq, Eq, Clone, Copy)]
enum Script {
    Cyrillic,
    Latin,
}

fn script_of(c: char) -> Option<Script> {
    if c.is_ascii_alphabetic() {
        Some(Script::Latin)
    } else if ('\u{0400}'..='\u{04FF}').contains(&c) {
        Some(Script::Cyrillic)
    } else {
        None
    }
}

/// `word` lower-cased equals `lower` (which is lower case), without
/// allocating.
fn eq_lower(word: &str, lower: &str) -> bool {
    word.chars().flat_map(char::to_lowercase).eq(lower.chars())
}

/// The last (up to) six characters of `word`, lower-cased, last first:
/// enough to compare every name ending without allocating.
fn tail_lower(word: &str) -> ([char; 6], usize) {
    let mut tail = ['\0'; 6];
    let mut n = 0;
    for c in word.chars().rev().take(6) {
        tail[n] = c.to_lowercase().next().unwrap_or(c);
        n += 1;
    }
    (tail, n)
}

fn tail_ends_with(tail: &([char; 6], usize), suffix: &str) -> bool {
    let (chars, len) = tail;
    suffix
        .chars()
        .rev()
        .enumerate()
        .all(|(i, s)| i < *len && chars[i] == s)
}

/// A value that looks like a Kazakh or Russian person's name: one to four
/// capitalised (or all-capital) words in one script, or initials. Returns
/// the normalised name and how sure we are. Called for every value of a
/// name column, so it allocates only for a name it accepts.
fn person_name(value: &str) -> Option<(String, Confidence)> {
    if value.len() > 300 {
        return None;
    }
    let mut script = None;
    let (mut words, mut full_words, mut with_ending) = (0, 0, 0);
    for word in value.split_whitespace() {
        words += 1;
        if words > 5 {
            return None;
        }
        let (mut letters, mut all_caps, mut title, mut at_part_start, mut dots) =
            (0usize, true, true, true, false);
        for c in word.chars() {
            if c.is_alphabetic() {
                let s = script_of(c)?;
                if *script.get_or_insert(s) != s {
                    return None;
                }
                letters += 1;
                all_caps &= c.is_uppercase();
                title &= if at_part_start {
                    c.is_uppercase()
                } else {
                    c.is_lowercase()
                };
                at_part_start = false;
            } else if matches!(c, '-' | '\'' | '’') {
                at_part_start = true;
            } else if c == '.' {
                dots = true;
                at_part_start = true;
            } else {
                return None;
            }
        }
        // Lower-casing keeps the byte length of Cyrillic and Latin letters,
        // so the length check skips almost every comparison.
        let bare = word.trim_end_matches('.');
        if NOT_NAMES
            .iter()
            .any(|n| n.len() == bare.len() && eq_lower(bare, n))
        {
            return None;
        }
        if dots {
            // `И.` or `А.Б.`: single capital letters, each with a dot.
            if !word
                .split('.')
                .filter(|p| !p.is_empty())
                .all(|p| p.chars().count() == 1 && p.chars().all(char::is_uppercase))
            {
                return None;
            }
            continue;
        }
        let kazakh_particle = ["улы", "ұлы", "кызы", "қызы"]
            .iter()
            .any(|p| p.len() == word.len() && eq_lower(word, p));
        if letters < 2 || !(title || all_caps || kazakh_particle) {
            return None;
        }
        full_words += 1;
        let tail = tail_lower(word);
        if letters > 3 && NAME_ENDINGS.iter().any(|e| tail_ends_with(&tail, e)) {
            with_ending += 1;
        }
    }
    if full_words == 0 {
        return None;
    }
    let confidence = match (full_words, with_ending) {
        (2.., 1..) => Confidence::High,
        (2.., 0) | (1, 1..) => Confidence::Medium,
        _ => Confidence::Low,
    };
    let normalized = value
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    Some((normalized, confidence))
}

/// A calendar date written the usual ways (`1985-03-15`, `15.03.1985`,
/// `15/03/1985`, `19850315`, optionally followed by a time), with a year a
/// living person could be born in. Returns `YYYY-MM-DD`.
pub(crate) fn birth_date(value: &str) -> Option<String> {
    let date_part = value
        .split(|c: char| c == 'T' || c.is_whitespace())
        .next()
        .unwrap_or(value);
    // The parts on the stack, not in a `Vec`: this runs for every value of
    // a date column and every date-shaped run of a text.
    let mut nums = [""; 3];
    let mut count = 0;
    for part in date_part.split(['-', '.', '/']) {
        if count == nums.len() {
            return None;
        }
        nums[count] = part;
        count += 1;
    }
    let (y, m, d) = match (count, nums) {
        (3, [a, b, c]) if a.len() == 4 => (a, b, c),
        (3, [a, b, c]) if c.len() == 4 => (c, b, a),
        // ASCII digits only before slicing: 8 bytes may hold `12�45` and
        // `one[..4]` would cut a character in two (a panic, found by fuzzing).
        (1, [one, _, _]) if one.len() == 8 && one.bytes().all(|b| b.is_ascii_digit()) => {
            (&one[..4], &one[4..6], &one[6..])
        }
        _ => return None,
    };
    if ![y, m, d]
        .iter()
        .all(|p| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let (y, m, d): (i32, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    let date = chrono::NaiveDate::from_ymd_opt(y, m, d)?;
    // Asked once: the clock is slow to read for every value of a column.
    static TODAY: std::sync::OnceLock<chrono::NaiveDate> = std::sync::OnceLock::new();
    let today = *TODAY.get_or_init(|| chrono::Local::now().date_naive());
    if y < 1900 || date > today {
        return None;
    }
    // `%Y-%m-%d` by hand (chrono's formatter was most of this function):
    // the year has four digits here, month and day two.
    let mut iso = [0u8; 10];
    let digit = |n: u32| b'0' + (n % 10) as u8;
    let year = y as u32;
    iso[..4].copy_from_slice(&[
        digit(year / 1000),
        digit(year / 100),
        digit(year / 10),
        digit(year),
    ]);
    iso[4] = b'-';
    iso[5..7].copy_from_slice(&[digit(m / 10), digit(m)]);
    iso[7] = b'-';
    iso[8..].copy_from_slice(&[digit(d / 10), digit(d)]);
    String::from_utf8(iso.to_vec()).ok()
}

/// An identity document number: a Kazakh ID card (9 digits), a Kazakh
/// passport (`N` + 8 digits), a Russian passport (4 + 6 digits) or a
/// similar series-and-number, spaces and dashes allowed.
fn id_document(value: &str) -> Option<(String, Confidence)> {
    if value.len() > 24 {
        return None;
    }
    let compact: String = value
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '№'))
        .flat_map(char::to_uppercase)
        .collect();
    let letters = compact.chars().take_while(|c| c.is_alphabetic()).count();
    let digits: &str = &compact[compact
        .char_indices()
        .nth(letters)
        .map_or(compact.len(), |(i, _)| i)..];
    if letters > 2
        || !(6..=10).contains(&digits.len())
        || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let first = digits.as_bytes()[0];
    if digits.bytes().all(|b| b == first) {
        return None;
    }
    let confidence = if (letters == 0 && digits.len() == 9) || (letters == 1 && digits.len() == 8) {
        Confidence::High
    } else {
        Confidence::Medium
    };
    Some((compact, confidence))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_the_issue_map_to_their_categories() {
        let cases = [
            ("iin", Category::Iin),
            ("ИИН", Category::Iin),
            ("ЖСН", Category::Iin),
            ("rnn", Category::Iin),
            ("bin", Category::Bin),
            ("БИН", Category::Bin),
            ("БСН", Category::Bin),
            ("phone", Category::Phone),
            ("mobile", Category::Phone),
            ("msisdn", Category::Phone),
            ("Телефон", Category::Phone),
            ("Номер телефона", Category::Phone),
            ("email", Category::Email),
            ("e-mail", Category::Email),
            ("E-mail", Category::Email),
            ("mail", Category::Email),
            ("fio", Category::PersonName),
            ("ФИО", Category::PersonName),
            ("Ф.И.О.", Category::PersonName),
            ("last_name", Category::PersonName),
            ("аты-жөні", Category::PersonName),
            ("card_number", Category::Card),
            ("pan", Category::Card),
            ("iban", Category::Iban),
            ("ИИК", Category::Iban),
            ("birth_date", Category::BirthDate),
            ("dob", Category::BirthDate),
            ("Дата рождения", Category::BirthDate),
            ("Дата рожд.", Category::BirthDate),
            ("passport", Category::IdDocument),
            ("удостоверение", Category::IdDocument),
            ("Номер удостоверения", Category::IdDocument),
            // Snake, camel and paths.
            ("client_iin", Category::Iin),
            ("userPhone", Category::Phone),
            ("contact.email", Category::Email),
            ("public.users.iin", Category::Iin),
            ("items[].iin", Category::Iin),
            ("IINClient", Category::Iin),
            ("emailAddress", Category::Email),
            ("ip_address", Category::IpAddress),
            ("home_address", Category::Address),
            ("fullName", Category::PersonName),
            ("passport.number", Category::IdDocument),
            ("card.no", Category::Card),
            ("iin_hash", Category::Iin),
            ("phone2", Category::Phone),
            ("туған күні", Category::BirthDate),
        ];
        for (name, want) in cases {
            assert_eq!(category_for_name(name), Some(want), "{name}");
        }
    }

    #[test]
    fn lookalike_and_metadata_names_do_not_fire() {
        for name in [
            "filename",
            "fileName",
            "bypass",
            "compass",
            "mailbox_size",
            "company",
            "panel",
            "japan",
            "binary",
            "bin_path",
            "phone_verified",
            "email_sent_at",
            "card_type",
            "mail_server",
            "name",
            "product_name",
            "host_name",
            "runs[].tool.driver.name",
            "tool.driver.name",
            "app.owner.email",
            "#3",
            "",
            "id",
            "created_at",
            "description",
            "subjects.iin_holders",
            "email_total",
        ] {
            assert_eq!(category_for_name(name), None, "{name}");
        }
    }

    fn field_value(category: Category, value: &str) -> Option<Match> {
        let mut out = Vec::new();
        scan_field_value(category, &Segment::whole(value, 7, None), &mut out);
        assert!(out.len() <= 1);
        out.pop()
    }

    #[test]
    fn person_names_are_recognised_in_name_fields() {
        for (value, confidence) in [
            ("Иванов Иван Иванович", Confidence::High),
            ("Нұрланов Асқар Серікұлы", Confidence::High),
            ("Сейткали Айгерим", Confidence::Medium),
            ("АХМЕТОВА ДИНАРА", Confidence::High),
            ("Ахметов А.Б.", Confidence::Medium),
            ("Smith John", Confidence::Medium),
            ("Жумабаев", Confidence::Medium),
            ("Айгерим", Confidence::Low),
        ] {
            let m = field_value(Category::PersonName, value).unwrap_or_else(|| panic!("{value}"));
            assert_eq!(m.confidence, confidence, "{value}");
            assert_eq!(m.line, 7);
            assert_eq!((m.start, m.end), (0, value.len()));
        }
        for value in [
            "не указано",
            "test user",
            "Test",
            "admin",
            "850315300128",
            "ivan@mail.kz",
            "ООО Ромашка 2",
            "Ivanov Иван",
            "a",
        ] {
            assert!(
                field_value(Category::PersonName, value).is_none(),
                "{value}"
            );
        }
    }

    #[test]
    fn birth_dates_are_written_as_chrono_writes_them() {
        for (y, m, d) in [(1900, 1, 1), (1985, 3, 15), (2000, 2, 29), (2019, 12, 31)] {
            let date = chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
            let want = date.format("%Y-%m-%d").to_string();
            assert_eq!(
                birth_date(&format!("{d:02}.{m:02}.{y}")),
                Some(want.clone())
            );
            assert_eq!(birth_date(&format!("{y}{m:02}{d:02}")), Some(want));
        }
        assert_eq!(birth_date("1985-03-15-01"), None);
        assert_eq!(birth_date("1985-03"), None);
    }

    #[test]
    fn birth_dates_and_documents_validate() {
        let m = field_value(Category::BirthDate, " 15.03.1985 ").unwrap();
        assert_eq!(
            (m.normalized.as_str(), m.start, m.column),
            ("1985-03-15", 1, 2)
        );
        for ok in [
            "1985-03-15",
            "1985-03-15 00:00:00",
            "19850315",
            "29/02/2000",
        ] {
            assert!(field_value(Category::BirthDate, ok).is_some(), "{ok}");
        }
        for bad in [
            "1985-02-30",
            "2199-01-01",
            "1850-01-01",
            "15.03",
            "yesterday",
            "19\u{fffd}315",
            "1985ÅÅ15",
        ] {
            assert!(field_value(Category::BirthDate, bad).is_none(), "{bad}");
        }
        assert_eq!(
            field_value(Category::IdDocument, "N12345678").map(|m| m.confidence),
            Some(Confidence::High)
        );
        assert_eq!(
            field_value(Category::IdDocument, "045 678 912").map(|m| m.normalized),
            Some("045678912".to_string())
        );
        assert!(field_value(Category::IdDocument, "45 06 123456").is_some());
        for bad in ["000000000", "12345", "abc", "NULL", "ABC1234567"] {
            assert!(field_value(Category::IdDocument, bad).is_none(), "{bad}");
        }
    }
}
