//! Which parts of a paragraph a policy negates.
//!
//! A promise never to hold some data is a negated predicate (collect,
//! process, store, request, transfer, have access) whose scope names the
//! data. The scope is where the language puts the object:
//!
//! - after a negated verb in Russian and English («не собирает A, B и C»,
//!   "we do not store A or B"): to the end of the clause, a list included,
//!   and over the items that follow when the clause ends with `:`;
//! - before a passive or nominal negation in Russian, Kazakh and English
//!   («Обработка A … не осуществляется», «A не обрабатываются», «A
//!   жинамаймыз», «A өңделмейді», "A are not processed"): from the start of
//!   the clause.
//!
//! Clauses end at `.`, `;`, `!`, `?` and at a contrast («, а», «, но»,
//! «однако», ", but", «, бірақ»). An exception («за исключением», «кроме»,
//! "except", "other than", «қоспағанда») inverts what follows it: excepted
//! from a negation, it is allowed; excepted from a positive statement about
//! processing, it is prohibited.
//!
//! Transfers to named recipients («третьим лицам», "third parties", abroad)
//! promise non-disclosure, not non-storage, and prohibit nothing. A negated
//! verb whose object is only a pronoun ("we do not store it", «біз оны
//! сақтамаймыз») refers back to data named earlier: its scope is ambiguous,
//! and the importer marks it TODO instead of guessing.

use regex::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// What a paragraph's negations cover, as byte ranges of it.
#[derive(Debug, Default)]
pub struct Scopes {
    /// Data named here is promised never to be held.
    pub prohibited: Vec<Range<usize>>,
    /// Excepted from a negation: named here, it is allowed.
    pub allowed: Vec<Range<usize>>,
    /// A negation whose object is a pronoun: (the negated clause, the part
    /// of the sentence before it, where the data it refers to is named).
    pub ambiguous: Vec<(Range<usize>, Range<usize>)>,
    /// The paragraph ends inside a negated scope opened by `:`, so the list
    /// items after it are negated too.
    pub open_list: bool,
}

impl Scopes {
    pub fn is_prohibited(&self, at: usize) -> bool {
        self.prohibited.iter().any(|r| r.contains(&at))
            && !self.allowed.iter().any(|r| r.contains(&at))
    }
}

/// Russian and English negated verbs that take their object after them.
static NEGATED_VERB: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        \b(?:никогда\s+)?не\s+(?:(?:будет|будем|будут|может|могут|вправе|должен|должна|должно|должны|станет|станем|собирается|намерен\w*)\s+)?
          (?P<ru>собира\w*|собер\w*|хран\w*|сохраня\w*|обрабатыва\w*|обработа\w*|запрашива\w*|запрос\w*|накаплива\w*|
             переда\w*|получа\w*|получ\w*|требу\w*|фиксиру\w*|записыва\w*|
             осуществля\w*\s+(?:сбор|обработк|хранени|передач|накоплени)\w*|
             (?:име\w*|получа\w*)\s+доступ\w*)
        | \b(?:(?:do|does|did|will|shall|would|can|could|may)\s+not|don't|doesn't|won't|cannot|can't|never)\s+(?:\w+ly\s+)?
          (?P<en>collect|store|process|keep|retain|save|request|ask\s+for|receive|obtain|transfer|record|log|track|have\s+access\s+to|access)\b
        | \bнет\s+доступа\b
        ",
    )
    .expect("valid")
});

/// Negations that follow their subject: Russian passive and nominal forms,
/// Kazakh negative verbs (the verb ends the clause), English passives.
static NEGATED_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        \bне\s+(?:осуществля(?:ется|ются)|производ(?:ится|ятся)|вед[её]тся|допускается|подлеж(?:ит|ат)\s+(?:обработке|хранению|сбору)|
               собира(?:ется|ются)|хран(?:ится|ятся)|сохраня(?:ется|ются)|обрабатыва(?:ется|ются)|запрашива(?:ется|ются)|
               накаплива(?:ется|ются)|переда(?:ется|ются|ётся)|фиксиру(?:ется|ются)|запис(?:ывается|ываются))\b
        | (?:жина|жинал|сақта|сақтал|өңде|өңдел|сұра|сұрал|жібер|жіберіл|тіркел|ал|алын)(?:ма|ме|ба|бе|па|пе)(?:й|с|ған)\w*
        | \b(?:бер|беріл)ме(?:й|с|ген)\w*
        | (?:жүргізілмей|асырылмай)\w*
        | \b(?:is|are|will\s+be|shall\s+be)\s+(?:not|never)\s+(?:collected|stored|processed|kept|retained|saved|requested|recorded|logged|transferred)\b
        ",
    )
    .expect("valid")
});

/// Words after which the rest of a clause is an exception.
static EXCEPT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bза\s+исключением\b|\bкроме\b|\bexcept(?:\s+for)?\b|\bother\s+than\b|\bapart\s+from\b|\bбасқа\b|қоспағанда")
        .expect("valid")
});

/// A negated transfer to named recipients: a non-disclosure promise.
static RECIPIENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)трет\w+\s+(?:лиц|сторон)\w*|трансграничн\w*|за\s+(?:рубеж|пределы)|third[-\s]part\w*|\babroad\b|\banyone\b|үшінші\s+тарап\w*")
        .expect("valid")
});

/// A negated verb's object that is only a pronoun.
static PRONOUN_OBJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\W*(?:it|them|this|these|её|ее|их|его|эти\s+данные|такие\s+данные)\b|(?:^|\s)(?:оны|оларды|мұны)\s")
        .expect("valid")
});

/// A pronoun object just before a negated verb («мы его не храним»).
static PRONOUN_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:^|\s)(?:его|её|ее|их|эти\s+данные|такие\s+данные)\s+(?:никогда\s+|также\s+)?$",
    )
    .expect("valid")
});

/// A contrast or a new clause inside a sentence.
static CLAUSE_BREAK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i),\s+(?:а|но|однако|при\s+этом|but|however|whereas|ал|бірақ)\s|;\s*|\.\s+|[!?]\s*|\.$",
    )
    .expect("valid")
});

/// The negated and excepted ranges of `text`, a paragraph; `negated_list`
/// says that the paragraph is an item of a list opened by a negated clause.
pub fn scopes(text: &str, negated_list: bool) -> Scopes {
    let mut scopes = Scopes::default();
    if negated_list {
        scopes.prohibited.push(0..text.len());
        return scopes;
    }
    let mut previous = 0..0;
    for clause in clauses(text) {
        let before_clause = std::mem::replace(&mut previous, clause.clone());
        let part = &text[clause.clone()];
        let offset = clause.start;
        let exception = EXCEPT
            .find(part)
            .map(|m| offset + m.start()..offset + m.end());
        // A reflexive verb («не хранятся») is passive: its subject is the data.
        let active = NEGATED_VERB.captures(part).filter(|c| {
            c.name("ru").map_or(true, |v| {
                !v.as_str().ends_with("ся") && !v.as_str().ends_with("сь")
            })
        });
        if let Some(m) = active.map(|c| c.get(0).expect("match")) {
            let verb = m.as_str();
            // «…, но мы его не храним», "but we do not keep them": the
            // object stands before the verb as a pronoun.
            if PRONOUN_BEFORE.is_match(&text[offset..offset + m.start()]) {
                scopes
                    .ambiguous
                    .push((offset + m.start()..clause.end, before_clause));
                continue;
            }
            let scope = offset + m.end()..clause.end;
            let object = &text[scope.clone()];
            let is_transfer = verb.contains("переда") || verb.to_lowercase().contains("transfer");
            if is_transfer && RECIPIENT.is_match(object) {
                continue;
            }
            if PRONOUN_OBJECT.is_match(object) {
                scopes
                    .ambiguous
                    .push((offset + m.start()..clause.end, before_clause));
                continue;
            }
            scopes.prohibited.push(scope.clone());
            if let Some(e) = exception.filter(|e| e.start >= scope.start) {
                scopes.allowed.push(e.start..clause.end);
            }
            if object.trim_end().ends_with(':') && clause.end >= text.trim_end().len() {
                scopes.open_list = true;
            }
        } else if let Some(m) = NEGATED_AFTER.find(part) {
            let subject = offset..offset + m.start();
            let before = &text[subject.clone()];
            if let Some(pronoun) = PRONOUN_OBJECT.find(before) {
                // «…, біз оны сақтамаймыз»: the pronoun stands for data named earlier.
                let at = offset + pronoun.start();
                scopes.ambiguous.push((at..clause.end, offset..at));
                continue;
            }
            // «… третьим лицам не передаются», «… үшінші тараптарға
            // берілмейді», "… are not transferred to third parties": a
            // promise about disclosure, not about holding the data.
            let verb = m.as_str().to_lowercase();
            let is_transfer = ["переда", "бер", "жібер", "transferred"]
                .iter()
                .any(|v| verb.contains(v));
            if (is_transfer || before.to_lowercase().contains("переда")) && RECIPIENT.is_match(part)
            {
                continue;
            }
            scopes.prohibited.push(subject.clone());
            // «Компания мына деректерді жинамайды және сақтамайды:» opens a
            // list of what it does not collect.
            let after = &text[offset + m.end()..clause.end];
            if after.trim_end().ends_with(':') && clause.end >= text.trim_end().len() {
                scopes.open_list = true;
            }
            if let Some(e) = exception.filter(|e| e.end <= subject.end) {
                // «A, за исключением B, не хранятся»: B up to the next comma.
                let end = text[e.end..subject.end]
                    .find(',')
                    .map_or(subject.end, |i| e.end + i);
                scopes.allowed.push(e.start..end);
            }
        } else if let Some(e) = exception {
            // «обрабатывает специальные данные, за исключением биометрических»
            scopes.prohibited.push(e.start..clause.end);
        }
    }
    scopes
}

/// Byte ranges of the clauses of `text`.
fn clauses(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut from = 0;
    for m in CLAUSE_BREAK.find_iter(text) {
        // «, а также» continues a list.
        if m.as_str().starts_with(',') && text[m.end()..].starts_with("также") {
            continue;
        }
        // «5.3.», «т.д.», "e.g." are not ends.
        if m.as_str().starts_with('.') && is_abbreviation_or_number(text, m.start()) {
            continue;
        }
        // A list after «:» runs on over its semicolons.
        if m.as_str().starts_with(';') && text[from..m.start()].contains(':') {
            continue;
        }
        if m.start() > from {
            out.push(from..m.start());
        }
        from = m.end();
    }
    if from < text.len() {
        out.push(from..text.len());
    }
    out
}

fn is_abbreviation_or_number(text: &str, dot: usize) -> bool {
    let before = &text[..dot];
    let word: String = before
        .chars()
        .rev()
        .take_while(|c| c.is_alphanumeric())
        .collect();
    word.chars().all(|c| c.is_ascii_digit()) && !word.is_empty()
        || (word.chars().count() <= 2 && !word.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The words of `text` inside prohibited scopes.
    fn prohibited(text: &str) -> Vec<&str> {
        let s = scopes(text, false);
        let mut words = Vec::new();
        let mut at = 0;
        for w in text.split(' ') {
            if s.is_prohibited(at + w.len() / 2) {
                words.push(w.trim_matches(|c: char| !c.is_alphanumeric()));
            }
            at += w.len() + 1;
        }
        words
    }

    #[test]
    fn a_negated_verb_covers_its_whole_list() {
        let p = prohibited(
            "Компания не собирает биометрические данные, данные о здоровье и номера карт.",
        );
        assert!(
            p.contains(&"биометрические") && p.contains(&"карт"),
            "{p:?}"
        );
        let p = prohibited(
            "We do not store full card data (CVV, full number) or bank account numbers.",
        );
        assert!(p.contains(&"card") && p.contains(&"account"), "{p:?}");
    }

    #[test]
    fn passive_nominal_and_kazakh_negations_cover_their_subject() {
        for text in [
            "Обработка биометрических персональных данных не осуществляется.",
            "Биометрические данные не обрабатываются.",
            "Біз биометриялық деректерді жинамаймыз.",
            "Биометриялық деректер өңделмейді.",
            "Biometric data are not processed.",
        ] {
            let p = prohibited(text);
            assert!(p.iter().any(|w| w.to_lowercase().starts_with("биометри") || w.starts_with("Biometric")), "{text}: {p:?}");
        }
    }

    #[test]
    fn clauses_and_contrasts_bound_the_scope() {
        let p = prohibited("Мы храним номер телефона, а данные карт не хранятся.");
        assert_eq!(p, ["данные", "карт"]);
        let p = prohibited("Мы не храним пароли. Мы храним номер телефона.");
        assert_eq!(p, ["пароли"]);
    }

    #[test]
    fn exceptions_invert_both_ways() {
        let text = "Мы не собираем персональные данные, за исключением имени и телефона.";
        let p = prohibited(text);
        assert!(
            !p.contains(&"имени") && !p.contains(&"телефона") && p.contains(&"персональные"),
            "{p:?}"
        );
        let p = prohibited("Обрабатываются специальные категории, за исключением биометрических.");
        assert_eq!(p, ["за", "исключением", "биометрических"]);
    }

    #[test]
    fn disclosure_promises_and_pronouns_prohibit_nothing() {
        assert!(prohibited("Мы не передаем данные карт третьим лицам.").is_empty());
        let s = scopes(
            "GitHub may share your email address; we do not store it in our database.",
            false,
        );
        assert!(s.prohibited.is_empty() && s.ambiguous.len() == 1, "{s:?}");
        let s = scopes(
            "GitHub поштаңызды бере алады, біз оны дерекқорымызда сақтамаймыз.",
            false,
        );
        assert!(s.prohibited.is_empty() && s.ambiguous.len() == 1, "{s:?}");
    }

    #[test]
    fn a_colon_opens_a_negated_list() {
        assert!(scopes("Оператор не собирает:", false).open_list);
        assert!(!scopes("Оператор собирает:", false).open_list);
        assert!(scopes("Компания мына деректерді жинамайды және сақтамайды:", false).open_list);
        assert!(!scopes("Компания мына деректерді жинайды:", false).open_list);
    }

    #[test]
    fn kazakh_transfers_to_recipients_and_pronouns_before_the_verb() {
        // «берілмейді» (is not given): a prohibition, unless to named recipients.
        assert_eq!(
            prohibited("Биометриялық деректер берілмейді."),
            ["Биометриялық", "деректер"]
        );
        assert!(prohibited("Деректер үшінші тараптарға берілмейді.").is_empty());
        assert!(prohibited("Card data are not transferred to third parties.").is_empty());
        // «мы его не храним»: the object is a pronoun before the verb.
        let s = scopes(
            "Сервис может передать нам ваш номер телефона, но мы его не храним.",
            false,
        );
        assert!(s.prohibited.is_empty() && s.ambiguous.len() == 1, "{s:?}");
    }
}
