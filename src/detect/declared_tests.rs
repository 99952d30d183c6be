//! Issue 15's detectors in running text: `ip_address`, `id_document`,
//! `birth_date`, `person_name`, `address`, with the hard negatives the
//! issue lists.

use super::*;

fn engine() -> &'static Engine {
    static E: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    E.get_or_init(|| Engine::builtin().expect("built-in detectors load"))
}

/// `(category, matched text, confidence)` of every match in `text`.
fn found(text: &str) -> Vec<(&'static str, String, Confidence)> {
    let mut out = Vec::new();
    engine().scan(&Segment::whole(text, 1, None), &mut out);
    out.into_iter()
        .map(|m| {
            (
                m.category.id(),
                text[m.start..m.end].to_string(),
                m.confidence,
            )
        })
        .collect()
}

/// The one match of `category` in `text` is `value`, and nothing else was
/// found but names and addresses (which other tests look at).
fn only(text: &str, category: &str, value: &str) {
    let graded = ["person_name", "address"];
    let got: Vec<_> = found(text)
        .into_iter()
        .filter(|f| graded.contains(&category) || !graded.contains(&f.0))
        .collect();
    assert!(
        got.len() == 1 && got[0].0 == category && got[0].1 == value,
        "{text:?}: want one {category} {value:?}, got {got:?}"
    );
}

fn nothing(text: &str) {
    assert_eq!(found(text), vec![], "{text:?}");
}

#[test]
fn public_ips_in_logs() {
    only(
        "85.141.27.93 - - [01/Mar/2024] GET /",
        "ip_address",
        "85.141.27.93",
    );
    only(
        "login from [2a00:1450:4001:81c::200e]:443",
        "ip_address",
        "2a00:1450:4001:81c::200e",
    );
    only(
        "X-Forwarded-For: 95.56.1.7, 10.0.0.3",
        "ip_address",
        "95.56.1.7",
    );
    assert_eq!(found("client ip=8.8.8.8")[0].2, Confidence::High);
    assert_eq!(found("8.8.8.8 said")[0].2, Confidence::Medium);
}

#[test]
fn not_public_ips() {
    nothing("connect 10.1.2.3:5432, 192.168.0.10, 172.16.9.9, 127.0.0.1, 169.254.1.1");
    nothing("100.64.0.1 198.51.100.7 203.0.113.5 192.0.2.44 224.0.0.251 255.255.255.255");
    nothing("::1 fe80::1ff:fe23:4567:890a fd00::12 2001:db8::1 ff02::1 at 12:30:45");
    nothing("MAC 00:1a:2b:3c:4d:5e, std::vector<int>, a::b::c");
}

#[test]
fn versions_and_oids_are_not_ips() {
    nothing("Mozilla/5.0 Chrome/120.0.6099.109 Safari/537.36");
    nothing("Chrome/120.1.2.3 lib-1.2.3.4 pkg_2.3.4.5");
    nothing("upgraded to version 2.5.4.3, v1.2.3.4, OID 1.2.840.113549.1.1.11, oid: 2.5.4.3");
    nothing("1.2.840.113549 and 1.2.3.4.5 and 85.12.34.0");
    nothing(r#"szOID_ATTR = s!("2.5.4.52"); X520 2.5.29.35, 1.3.6.1"#);
    only("DNS query from 1.1.1.1", "ip_address", "1.1.1.1");
}

#[test]
fn id_documents_only_next_to_a_document_word() {
    only(
        "удостоверение личности № 043918275 выдано МВД РК",
        "id_document",
        "043918275",
    );
    only("Паспорт N17243981", "id_document", "N17243981");
    only("жеке куәлік №043918275", "id_document", "043918275");
    only("ID card 043918275", "id_document", "043918275");
    only("passport no. N17243981", "id_document", "N17243981");
    only("уд. л. 043918275, Иванов", "id_document", "043918275");
    nothing("order 043918275 shipped");
    nothing("заказ № 043918275 оплачен");
    nothing("N17243981");
    nothing("паспорт проверен, заказ 043918275");
    nothing("паспорт 111111111");
}

#[test]
fn birth_dates_only_next_to_a_birth_word() {
    only("дата рождения: 14.07.1986", "birth_date", "14.07.1986");
    only("Иванов И.И., 14.07.1986 г.р.", "birth_date", "14.07.1986");
    only("д.р. 1986-07-14", "birth_date", "1986-07-14");
    only(
        "туған күні: 1986 жылғы 14 шілде",
        "birth_date",
        "1986 жылғы 14 шілде",
    );
    only("родилась 14 июля 1986 г.", "birth_date", "14 июля 1986");
    only("DOB: 14/07/1986", "birth_date", "14/07/1986");
    only("born 14 July 1986", "birth_date", "14 July 1986");
    nothing("договор от 14.07.2016, дата выдачи 01.02.2015");
    let both = found("(14.07.1986 г.р.), договор от 01.02.2010");
    assert_eq!(both.len(), 1, "{both:?}");
    assert_eq!(both[0].1, "14.07.1986");
    nothing("дата рождения: 31.02.1986");
    nothing("дата рождения: 14.07.2999");
}

fn confidence_of(text: &str, category: &str, value: &str) -> Confidence {
    let got = found(text);
    let hit = got.iter().find(|f| f.0 == category && f.1 == value);
    hit.unwrap_or_else(|| panic!("{text:?}: no {category} {value:?} in {got:?}"))
        .2
}

#[test]
fn id_document_issuer_supports() {
    assert_eq!(
        confidence_of(
            "удостоверение личности № 043918275, выдано МВД РК 01.02.2015",
            "id_document",
            "043918275"
        ),
        Confidence::High
    );
    assert_eq!(
        confidence_of(
            "жеке куәлік 043918275 ҚР ӘМ берілген",
            "id_document",
            "043918275"
        ),
        Confidence::High
    );
    assert_eq!(
        confidence_of("паспорт N17243981", "id_document", "N17243981"),
        Confidence::Medium
    );
    // The issuer alone is not a document word.
    nothing("выдано МВД РК 043918275");
}

#[test]
fn names_graded_by_evidence() {
    use Confidence::*;
    for (text, name, want) in [
        ("Иванов Иван Иванович", "Иванов Иван Иванович", High),
        ("подписал Иванов И.И.", "Иванов И.И.", Medium),
        ("ФИО: Иванов И.И.", "Иванов И.И.", High),
        ("Айдос Нұрланұлы келді", "Айдос Нұрланұлы", Medium),
        ("Aidos Nurlanov", "Aidos Nurlanov", Low),
        ("Customer: Aidos Nurlanov", "Aidos Nurlanov", Medium),
        ("клиент Нурланов Айдос", "Нурланов Айдос", Medium),
        ("Получатель: Сейткали А.Б.", "Сейткали А.Б.", High),
    ] {
        assert_eq!(confidence_of(text, "person_name", name), want, "{text}");
    }
}

#[test]
fn streets_companies_and_places_are_not_people() {
    for text in [
        "на площади Абая Кунанбаева",
        "КазНУ им. аль-Фараби",
        "ЕНУ им. Л.Н. Гумилева",
        "в театре имени Мухтара Ауэзова",
        "в сквере Ахмета Байтурсынова",
        "ТОО «Сейткали Групп»",
        "ТОО «Иванов и партнёры»",
        "ТОО «Айдос Нурланов»",
        "Назарбаев Университет",
        "аэропорт имени Нурсултана Назарбаева",
        "fn parse_name(Aidos: Nurlanov)",
    ] {
        let got: Vec<_> = found(text)
            .into_iter()
            .filter(|f| f.0 == "person_name")
            .collect();
        assert_eq!(got, vec![], "{text:?}");
    }
    let got = found("проспект Назарбаева, ул. Абая Кунанбаева 15");
    assert!(got.iter().all(|f| f.0 == "address"), "{got:?}");
}

#[test]
fn addresses_graded_by_completeness() {
    use Confidence::*;
    for (text, addr, want) in [
        (
            "г. Алматы, ул. Абая, д. 15, кв. 45",
            "г. Алматы, ул. Абая, д. 15, кв. 45",
            High,
        ),
        ("встреча на ул. Абая", "ул. Абая", Low),
        (
            "050000, г. Алматы, ул. Абая, д. 15",
            "050000, г. Алматы, ул. Абая, д. 15",
            High,
        ),
        ("050010, ул. Абая", "050010, ул. Абая", Medium),
        ("A15E3D1, Абай даңғылы", "A15E3D1, Абай даңғылы", Medium),
        ("Адрес: ул. Абая", "ул. Абая", Medium),
        ("г. Астана, ул. Кенесары", "г. Астана, ул. Кенесары", Medium),
        (
            "A15E3D1, Алматы қаласы, Абай даңғылы, 10-үй",
            "A15E3D1, Алматы қаласы, Абай даңғылы, 10-үй",
            High,
        ),
    ] {
        assert_eq!(confidence_of(text, "address", addr), want, "{text}");
    }
    nothing("и пр. расходы; пр. 5 заказа; улица была пуста");
}
