//! Readings a person must decide, whatever the text: constructions that
//! name data in a way that maps to a category only under an assumption.
//!
//! Each rule is general (Russian, Kazakh, English), not tied to one policy:
//! - a photo, voice or video of a person is biometric data only if it is
//!   used to identify them;
//! - generic "payment" or "financial" data names neither card numbers nor
//!   bank accounts;
//! - data the text calls anonymised or aggregated (analytics, cookies) may
//!   not be personal data at all;
//! - a display name may be a nickname;
//! - bare "contacts" names neither a phone nor an e-mail;
//! - a city of residence is not a postal address;
//! - a link to a social-network profile may or may not be an online
//!   identifier;
//! - a promise not to collect "personal information" in general names no
//!   kind of data, so it prohibits nothing.
//!
//! The importer keeps its reading (the dictionary decides the categories)
//! and leaves a `TODO` at the first place each construction occurs, naming
//! the category in question, so the reviewer sees where the draft guessed.

use regex::Regex;
use std::sync::LazyLock;

/// (pattern, what to decide). The message starts with the category in
/// question and a `?`.
const RULES: &[(&str, &str)] = &[
    (
        r"(?:блокир|бұғатта|\bblock)\w*[^;]{0,90}?\bip[-\s]?(?:адрес|мекенжай|address)\w*",
        "ip_address? the text names IP addresses as something to block, not as data it \
         collects; keep ip_address only if they are logged or stored",
    ),
    (
        r"eye[-\s]tracking|face[-\s]tracking|отслеживани\w*\s+(?:взгляд|глаз|лиц)\w*|көз\w*\s+(?:қозғалыс|бақыла)\w*",
        "biometric? the text tracks the face or eyes (on the device, it says); the draft \
         keeps what the text says about biometric data: check that no such data leaves \
         the device",
    ),
    (
        r"фото\w*|портретн\w*\s+изображени\w*|изображени\w*\s+лиц\w*|селфи|\bсурет\w*|\bphotos?\b|\bphotographs?\b|\bselfies?\b|profile\s+pictures?|\bavatars?\b",
        "biometric? a photo of a person is biometric data only if it is used to identify \
         them (face recognition); the draft does not read it as biometric: add \"biometric\" \
         if it is",
    ),
    (
        r"голосов\w+\s+(?:запис|ввод|сообщени|данн|образц|аудио)\w*|запис\w*\s+голос\w*|аудиозапис\w*|дауыстық\s+\w+|дауысты\s+(?:транскрибац|жаз)\w*|аудиожазба\w*|voice\s+(?:recordings?|messages?|input|notes?|data|samples?|prints?)|audio\s+recordings?|recordings?\s+of\s+(?:your\s+)?voice",
        "biometric? a voice recording is biometric data only if it is used to identify the \
         speaker; the draft does not read it as biometric: add \"biometric\" if it is",
    ),
    (
        r"видеозапис\w*|видеоизображени\w*|видеонаблюдени\w*|бейнежазба\w*|бейнебақылау\w*|video\s+(?:recordings?|surveillance|footage)|(?-i:\bCCTV\b)",
        "biometric? a video of a person is biometric data only if it is used to identify \
         them; the draft does not read it as biometric: add \"biometric\" if it is",
    ),
    (
        r"плат[её]жн\w+\s+(?:или\s+финансов\w+\s+)?(?:данн|сведени|информаци)\w*|финансов\w+\s+(?:данн|сведени)\w*|төлем\w*\s+(?:немесе\s+қаржылық\s+)?(?:деректер|мәлімет)\w*|қаржылық\s+деректер\w*|payment\s+(?:or\s+financial\s+)?(?:data|details|information)|financial\s+(?:data|information|details)",
        "card and/or iban? generic payment or financial data names neither card numbers nor \
         bank accounts; keep only the categories the text means",
    ),
    (
        r"обезличенн\w*|анонимн\w*|агрегированн\w*|иесіздендірілген|анонимді|\banonymi[sz]ed\b|\banonymous\b|\baggregated?\b",
        "personal data? the text calls these data anonymised or aggregated; if they cannot \
         identify a person, the categories read from them (often online_identifier for \
         cookies and analytics) do not belong in the policy",
    ),
    (
        r"display\s+names?|отображаем\w+\s+им\w+|имя\s+профиля|профиль\s+аты|никнейм\w*|\bnicknames?\b",
        "person_name? a display name may be a nickname rather than a person's name",
    ),
    (
        r"(?:^|[^\w\s]\s*|\b(?:full\s+name|имя|фио|аты-жөні)\w*\s+(?:and\s+|и\s+)?)(?:\bcontacts\b|\bконтакты\b|контактн\w+\s+(?:данн|информаци|сведени)\w*|байланыс\s+(?:деректер|ақпарат|мәлімет)\w*|contact\s+(?:details|information|data))(?:\s*[,;.]|\s*$|\s+(?:and|и|және)\b)",
        "phone and/or email? «contacts» names no kind of contact; keep what the text means",
    ),
    (
        r"город\w*\s+(?:проживания|жительства)|city\s+of\s+residence|тұратын\s+қала\w*",
        "address? a city of residence alone is not a postal address; the draft does not read \
         it as one",
    ),
    (
        r"ссылк\w*\s+на\s+(?:\w+\s+){0,2}социальн\w*\s+сет\w*|социальн\w*\s+сет\w*\s+(?:\w+\s+){0,2}ссылк\w*|social\s+(?:media|network)\s+(?:profiles?|links?|accounts?)|links?\s+to\s+(?:your\s+)?social|әлеуметтік\s+желі\w*\s+(?:\w+\s+)?сілтеме\w*",
        "online_identifier? a link to a social-network profile identifies an account; the \
         draft does not read it as an online identifier",
    ),
    (
        r"(?:не\s+собира\w*|\bnot\s+collect\w*|never\s+collect\w*|жинамаймыз)\s+(?:\w+\s+){0,3}?(?:личн\w+\s+(?:идентификационн\w+\s+)?(?:информаци|данн)\w*|персональн\w+\s+(?:данн|информаци)\w*|personal\s+(?:identification\s+)?(?:information|data))",
        "prohibited? the text promises not to collect personal data in general but names no \
         kind of data, so the draft prohibits nothing: list the kinds if it means all",
    ),
];

static COMPILED: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    RULES
        .iter()
        .map(|&(p, what)| {
            (
                Regex::new(&format!("(?i:{p})")).expect("arguable patterns are valid"),
                what,
            )
        })
        .collect()
});

/// Each rule's matches in `text`: (rule index, byte range).
pub(super) fn find(text: &str) -> Vec<(usize, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    for (i, (re, _)) in COMPILED.iter().enumerate() {
        for m in re.find_iter(text) {
            out.push((i, m.range()));
        }
    }
    out
}

/// What to decide for rule `i`.
pub(super) fn what(i: usize) -> &'static str {
    COMPILED[i].1
}

pub(super) fn rule_count() -> usize {
    RULES.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> Vec<&'static str> {
        let mut v: Vec<&str> = find(text)
            .into_iter()
            .map(|(i, _)| what(i).split('?').next().unwrap())
            .collect();
        v.dedup();
        v
    }

    #[test]
    fn arguable_constructions_in_three_languages() {
        assert_eq!(rules("Клиент загружает селфи с документом"), ["biometric"]);
        assert_eq!(rules("Қатысушының фотосы мен аты-жөні"), ["biometric"]);
        assert_eq!(rules("we keep the photos you attach"), ["biometric"]);
        assert_eq!(rules("записи голоса оператора колл-центра"), ["biometric"]);
        assert_eq!(rules("Дауыстық хабарламалар сақталмайды"), ["biometric"]);
        assert_eq!(rules("voice messages you send to support"), ["biometric"]);
        assert_eq!(rules("на объекте ведётся видеонаблюдение"), ["biometric"]);
        assert_eq!(
            rules("Мы обрабатываем платёжные сведения"),
            ["card and/or iban"]
        );
        assert_eq!(rules("қаржылық деректеріңіз"), ["card and/or iban"]);
        assert_eq!(
            rules("we receive payment information from Stripe"),
            ["card and/or iban"]
        );
        assert_eq!(
            rules("статистика собирается в анонимном виде"),
            ["personal data"]
        );
        assert_eq!(rules("only aggregated usage statistics"), ["personal data"]);
        assert_eq!(rules("сіздің никнейміңіз"), ["person_name"]);
        assert_eq!(
            rules("ФИО, контакты и адрес доставки"),
            ["phone and/or email"]
        );
        assert_eq!(rules("name, contacts, address"), ["phone and/or email"]);
        // The address book on a phone is not a kind of personal data.
        assert_eq!(rules("We never read your contacts."), Vec::<&str>::new());
        assert_eq!(
            rules("доступ по IP-адресу блокируется; мы блокируем IP-адреса спамеров"),
            ["ip_address"]
        );
        assert_eq!(rules("Face tracking runs on the device"), ["biometric"]);
        assert_eq!(rules("город проживания участника"), ["address"]);
        assert_eq!(
            rules("a link to your social media profile"),
            ["online_identifier"]
        );
        assert_eq!(
            rules("Приложение не собирает вашу личную информацию."),
            ["prohibited"]
        );
        // Names that merely look alike.
        assert_eq!(rules("фестиваль «Азия дауысы»"), Vec::<&str>::new());
        assert_eq!(rules("право голоса на собрании"), Vec::<&str>::new());
        assert_eq!(rules("данные платёжных карт"), Vec::<&str>::new());
        assert_eq!(
            rules("контактная информация (номер телефона)"),
            Vec::<&str>::new()
        );
    }
}
