//! How privacy policies name data, in Russian, Kazakh and English.
//!
//! Each pattern names the data itself, not a channel or an object that
//! merely sounds alike: «адрес электронной почты» is an e-mail address, «по
//! электронной почте» is how to write to the operator; «данные платежных
//! карт» is card data, «оплата банковской картой» is not. A bare «адрес» is
//! not an address either (policies say «по адресу: https://…», «IP-адрес»,
//! «адреса запрашиваемых страниц»): postal addresses need a qualifier.
//! Russian is matched by stems so that every case form counts.

use crate::model::Category;
use regex::Regex;
use std::sync::LazyLock;

/// (category, case-insensitive pattern). Abbreviations that are also
/// ordinary words elsewhere (BIN, ID) are matched case-sensitively.
const PATTERNS: &[(Category, &str)] = &[
    (
        Category::Iin,
        r"(?-i:\bИИН\b|\bЖСН\b|\bIIN\b)|индивидуальн\w*\s+идентификационн\w*\s+номер\w*|жеке\s+сәйкестендіру\s+нөмір\w*|individual\s+identification\s+numbers?",
    ),
    (
        Category::Bin,
        r"(?-i:\bБИН\b|\bБСН\b|\bBIN\b)|бизнес[-\s]идентификационн\w*\s+номер\w*|бизнес[-\s]сәйкестендіру\s+нөмір\w*|business\s+identification\s+numbers?",
    ),
    (
        Category::Phone,
        r"номер\w*\s+(?:(?:контактн|мобильн|сотов)\w+\s+)?телефон\w*|(?:контактн|мобильн|сотов)\w+\s+телефон\w*|\bтелефон(?:а|ы|ов|у|ом|е|ами|ах)?\b|абонентск\w+\s+номер\w*|номер\w*\s+(?:мобильного|сотовой\s+связи)|телефон\s+нөмір\w*|ұялы\s+телефон\w*|(?:tele)?phone\s+numbers?|mobile\s+(?:phone\s+)?numbers?|\btelephone\b",
    ),
    (
        Category::Email,
        r"адрес\w*\s+электронной\s+почты|электронн\w+\s+адрес\w*|электронная\s+почта|\be-?mail\b|\bэл\.\s*почт\w*|электрондық\s+пошта\w*\s+мекенжай\w*|\bпоштаңыз\w*|e-?mail\s+address(?:es)?",
    ),
    (
        Category::Card,
        r"(?:данн\w+|номер\w*|реквизит\w*)\s+(?:(?:плат[её]жн|банковск|кредитн|дебетов)\w+\s+)*карт\w*|(?:төлем\w*\s+|банк\w*\s+)?карта\w*\s+(?:деректер\w*|нөмір\w*)|(?:payment|credit|debit|bank)\s+card\s+(?:numbers?|data|details)|\bcard\s+(?:numbers?|details|data)|плат[её]жн\w+\s+(?:или\s+финансов\w+\s+)?данн\w*|төлем\w*\s+(?:немесе\s+қаржылық\s+)?деректер\w*|payment\s+(?:or\s+financial\s+)?(?:data|details)",
    ),
    (
        Category::Iban,
        r"(?-i:\bIBAN\b|\bИИК\b|\bЖСК\b)|номер\w*\s+(?:банковского\s+|расч[её]тного\s+|текущего\s+)?сч[её]т\w*|банковск\w+\s+реквизит\w*|банковск\w+\s+сч[её]т\w*|расч[её]тн\w+\s+сч[её]т\w*|банк\w*\s+шот\w*|bank\s+account\s+(?:numbers?|details)|финансов\w+\s+данн\w*|қаржылық\s+деректер\w*|financial\s+data",
    ),
    (
        Category::PersonName,
        r"(?-i:\bФИО\b|Ф\.\s?И\.\s?О\.?|\bТАӘ\b|Т\.\s?А\.\s?Ә\.?)|\bфамили[яиюей]\w*|\bимя\b|\bимени\b|\bотчеств\w*|аты[-\s]жөн\w*|\bтег[іi]\b|\bаты\b|(?:full|first|last|given|family|display)\s+names?|\bsurnames?\b|(?:your|their)\s+names?\b|\bnames?,?\s+(?:and|or)\s+(?:your\s+)?(?:phone|mobile|e-?mail|surname|date\s+of\s+birth)|\bатыңыз\w*|\bесіміңіз\w*",
    ),
    (
        Category::BirthDate,
        r"дат\w*\s+(?:и\s+(?:мест\w*|данн\w*)\s+(?:о\s+)?)?рождени\w*|год\w*\s+рождения|день\s+рождения|туған\s+(?:күн|жыл|кез)\w*|dates?\s+of\s+birth|birth\s*dates?|\bbirthdays?\b",
    ),
    (
        Category::IpAddress,
        r"\bIP[-\s]?(?:адрес|мекенжай|address)\w*",
    ),
    (
        Category::IdDocument,
        r"паспорт\w*|удостоверени[еяю]\s+личности|документ(?:а|ы|ов)?,?\s+удостоверяющ(?:ий|его|их)\s+личность|номер\w*\s+документ\w*|жеке\s+куәлік\w*|төлқұжат\w*|\bpassports?\b|identity\s+(?:cards?|documents?)|(?-i:\bID\s+cards?\b)",
    ),
    (
        Category::Address,
        r"(?:почтов|домашн|фактическ)\w*\s+адрес\w*|адрес\w*\s+(?:места\s+)?(?:проживания|жительства|регистрации|доставки|прописки)|(?:тұрғылықты|пошталық|тұратын|жеткізу)\s+мекенжай\w*|(?:postal|home|mailing|residential|delivery|billing|shipping|pick-?up|drop-?off)\s+address(?:es)?|\bzip\s+codes?\b|\bpostcodes?\b|\bpostal\s+codes?\b|почтов\w+\s+индекс\w*",
    ),
    (
        Category::OnlineIdentifier,
        r"\bcookies?\b|\bкуки\b|идентификатор\w*\s+(?:устройств\w*|пользовател\w*)|\bлогин\w*|device\s+(?:ids?|identifiers?)|advertising\s+ids?|(?-i:\bID\b)\s+пользовател\w*|пайдаланушы\s+(?:(?-i:\bID\b)|идентификатор\w*)|\buser\s+ids?\b|\busernames?\b|токен\w*\s+(?:устройств\w*|push[-\s]?уведомлени\w*)|push[-\s]?хабарлама\s+токен\w*|құрылғы\s+токен\w*|(?:device|push(?:\s+notification)?)\s+tokens?",
    ),
    (
        Category::Location,
        r"геолокац\w*|геоданн\w*|(?:географическ\w*\s+)?местоположени\w*|мест\w*\s+нахождени\w*|местонахождени\w*|(?:user'?s|your)\s+location|location\s+of\s+(?:the\s+)?users?|орналасқан\s+жер\w*|орналасу\s+деректер\w*|geolocation|location\s+data|(?-i:\bGPS\b)",
    ),
    (
        Category::Biometric,
        r"биометри\w*|\bbiometric\w*|отпечат\w*\s+пальц\w*|саусақ\s+із\w*|(?:your|user'?s|their|employees?'?)\s+fingerprints?|fingerprints?\s+(?:scans?|data|images?|templates?|recognition|readers?)|face\s+(?:scans?|geometry)",
    ),
];

pub(super) static DICTIONARY: LazyLock<Vec<(Category, Regex)>> = LazyLock::new(|| {
    PATTERNS
        .iter()
        .map(|&(c, p)| {
            let re = Regex::new(&format!("(?i:{p})")).expect("dictionary patterns are valid");
            (c, re)
        })
        .collect()
});

#[cfg(test)]
mod tests {
    use super::*;

    fn categories(text: &str) -> Vec<Category> {
        let mut out: Vec<Category> = DICTIONARY
            .iter()
            .filter(|(_, re)| re.is_match(text))
            .map(|(c, _)| *c)
            .collect();
        out.sort();
        out
    }

    #[test]
    fn every_category_has_patterns() {
        for c in Category::ALL {
            assert!(PATTERNS.iter().any(|(x, _)| *x == c), "{c} has no pattern");
        }
    }

    #[test]
    fn russian_forms() {
        use Category::*;
        assert_eq!(categories("фамилия, имя, отчество"), vec![PersonName]);
        assert_eq!(
            categories("своего имени (фамилии – по желанию)"),
            vec![PersonName]
        );
        assert_eq!(categories("ФИО"), vec![PersonName]);
        assert_eq!(categories("адреса электронной почты (email)"), vec![Email]);
        assert_eq!(
            categories("электронный адрес / номера телефонов"),
            vec![Phone, Email]
        );
        assert_eq!(categories("номера мобильного телефона"), vec![Phone]);
        assert_eq!(categories("абонентский номер сотовой связи"), vec![Phone]);
        assert_eq!(categories("данные платежных карт"), vec![Card]);
        assert_eq!(categories("данные кредитной карты"), vec![Card]);
        assert_eq!(categories("дата и место рождения"), vec![BirthDate]);
        assert_eq!(
            categories("IP-адрес, cookie, геолокация"),
            vec![IpAddress, OnlineIdentifier, Location]
        );
        assert_eq!(categories("географическое местоположение"), vec![Location]);
        assert_eq!(
            categories("биометрические персональные данные"),
            vec![Biometric]
        );
        assert_eq!(categories("ИИН"), vec![Iin]);
        assert_eq!(categories("бизнес-идентификационный номер"), vec![Bin]);
        assert_eq!(categories("адрес места жительства"), vec![Address]);
        assert_eq!(categories("паспортные данные"), vec![IdDocument]);
    }

    #[test]
    fn look_alikes_are_not_data() {
        for text in [
            "следует сообщать по электронной почте",
            "посредством телефонной связи",
            "при проведении платежа банковской платежной картой",
            "расположенного по адресу: https://idocument.kz/",
            "адреса запрашиваемых страниц",
            "всех уровней доменных имен",
            "наименование и url ресурса",
            "география (если указана открыто)",
            "если оно указано в документе, удостоверяющем личность",
            "справочники и адресные книги",
            "в корзину (recycle bin)",
        ] {
            assert_eq!(categories(text), vec![], "{text}");
        }
    }

    #[test]
    fn kazakh_and_english_forms() {
        use Category::*;
        assert_eq!(
            categories("аты-жөні, телефон нөмірі"),
            vec![Phone, PersonName]
        );
        assert_eq!(categories("электрондық пошта мекенжайы"), vec![Email]);
        assert_eq!(categories("ЖСН және туған күні"), vec![Iin, BirthDate]);
        assert_eq!(categories("төлем картасының деректері"), vec![Card]);
        assert_eq!(
            categories("full name, email address and phone number"),
            vec![Phone, Email, PersonName]
        );
        assert_eq!(
            categories("date of birth, IP address, cookies"),
            vec![BirthDate, IpAddress, OnlineIdentifier]
        );
        assert_eq!(categories("payment card details"), vec![Card]);
        assert_eq!(categories("атыңыз, поштаңыз"), vec![Email, PersonName]);
        assert_eq!(categories("display name"), vec![PersonName]);
        assert_eq!(
            categories("full name, address, email, zip code"),
            vec![Email, PersonName, Address]
        );
        assert_eq!(
            categories("Determining the location of the User"),
            vec![Location]
        );
        assert_eq!(categories("места нахождения Пользователя"), vec![Location]);
        assert_eq!(categories("дата и данные о рождении"), vec![BirthDate]);
    }

    #[test]
    fn identifiers_tokens_and_generic_payment_data() {
        use Category::*;
        assert_eq!(
            categories("ID пользователя, токены push-уведомлений"),
            vec![OnlineIdentifier]
        );
        assert_eq!(
            categories("Telegram пайдаланушы идентификаторы"),
            vec![OnlineIdentifier]
        );
        assert_eq!(
            categories("user ID and device tokens"),
            vec![OnlineIdentifier]
        );
        assert_eq!(categories("орналасу деректерін"), vec![Location]);
        assert_eq!(
            categories("платёжные или финансовые данные"),
            vec![Card, Iban]
        );
        assert_eq!(
            categories("төлем немесе қаржылық деректер"),
            vec![Card, Iban]
        );
        assert_eq!(categories("payment or financial data"), vec![Card, Iban]);
        assert_eq!(categories("оплата через платёжную систему"), vec![]);
    }
}
