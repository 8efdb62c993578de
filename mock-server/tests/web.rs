//! The web view (issue 12), rendered by a real in-process center from stored Japanese documents:
//! the SS-MIX2 sample (ISO-2022-JP, patient 患者 太郎) and an update of it, a fictional NSIPS
//! file (Shift_JIS), a PDF, a Shift_JIS referral letter, and a message whose patient name is
//! markup. Pages are fetched over HTTP like a browser would and read as text.

use idlink_mock::MockCenter;
use idlink_protocol::{ContentDigest, Receipt};

use crate::support::*;

const NSIPS_VALID: &[u8] = include_bytes!("../../formats/tests/data/nsips/valid.csv");
const PDF: &[u8] = include_bytes!("../../formats/tests/data/pdf/valid.pdf");
const REFERRAL_SJIS: &[u8] = include_bytes!("../../scenarios/fixtures/text/referral-sjis.txt");

/// The patient whose PID-5 family name is `<script>alert(1)</script>`.
const MARKUP_PATIENT: &str = "9999077";

/// What [`stored_center`] stored.
struct Stored {
    center: MockCenter,
    /// The sample OMP-01, later superseded.
    first: Receipt,
    /// Its update (same order, new control ID).
    update: Receipt,
    nsips: Receipt,
    pdf: Receipt,
    text: Receipt,
    markup: Receipt,
}

/// An upload with every required header; `extra` adds optional ones.
async fn upload(
    center: &MockCenter,
    kind: &str,
    media: &str,
    patient: &str,
    extra: &[(&str, &str)],
    key: &str,
    bytes: &[u8],
) -> Receipt {
    let mut request = mtls_client(center)
        .post(format!("{}/v1/documents", center.mtls_url()))
        .basic_auth(CERT_ACCOUNT.0, Some(CERT_ACCOUNT.1))
        .header("content-type", media)
        .header("idlink-document-kind", kind)
        .header("idlink-facility", "0112345678")
        .header("idlink-patient-id", patient)
        .header("idlink-destination", "storage")
        .header("content-digest", ContentDigest::of(bytes).to_string())
        .header("idempotency-key", key)
        .body(bytes.to_vec());
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, 201, "{kind} upload: {body}");
    serde_json::from_str(&body).unwrap()
}

/// The sample with PID-3 = [`MARKUP_PATIENT`] and markup for a family name.
fn sample_with_markup_name() -> Vec<u8> {
    let sample = sample_with_patient(MARKUP_PATIENT);
    let kanji_family = b"\x1b$B45<T\x1b(B^";
    let at = sample
        .windows(kanji_family.len())
        .position(|w| w == kanji_family)
        .expect("the sample's PID-5 starts with 患者");
    [
        &sample[..at],
        b"<script>alert(1)</script>^".as_slice(),
        &sample[at + kanji_family.len()..],
    ]
    .concat()
}

async fn stored_center() -> Stored {
    let center = demo_center().await;
    center.consents().add(
        "0112345678".parse().unwrap(),
        MARKUP_PATIENT.parse().unwrap(),
    );
    let hl7 = [("idlink-data-kind", "OMP-01")];
    let hl7_media = "application/hl7-v2";
    let first = upload(
        &center,
        "hl7",
        hl7_media,
        "9999013",
        &hl7,
        "w-1",
        SAMPLE_OMP01,
    )
    .await;
    let update = upload(
        &center,
        "hl7",
        hl7_media,
        "9999013",
        &hl7,
        "w-2",
        &sample_update(2),
    )
    .await;
    let nsips = upload(
        &center,
        "nsips",
        "text/csv; charset=shift_jis",
        "9999013",
        &[],
        "w-3",
        NSIPS_VALID,
    )
    .await;
    let pdf = upload(
        &center,
        "pdf",
        "application/pdf",
        "9999013",
        &[
            ("idlink-care-date", "20261124"),
            ("idlink-file-name", "report.pdf"),
        ],
        "w-4",
        PDF,
    )
    .await;
    let text = upload(
        &center,
        "text",
        "text/plain; charset=shift_jis",
        "9999013",
        &[("idlink-care-date", "20261124")],
        "w-5",
        REFERRAL_SJIS,
    )
    .await;
    let markup = upload(
        &center,
        "hl7",
        hl7_media,
        MARKUP_PATIENT,
        &hl7,
        "w-6",
        &sample_with_markup_name(),
    )
    .await;
    Stored {
        center,
        first,
        update,
        nsips,
        pdf,
        text,
        markup,
    }
}

/// GETs an admin path with the token; returns the status, the headers and the body.
async fn get(center: &MockCenter, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", center.admin_url()))
        .bearer_auth(center.admin_token())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

/// GETs a page that must answer 200 and returns its HTML.
async fn page(center: &MockCenter, path: &str) -> String {
    let (status, _, body) = get(center, path).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

#[tokio::test]
async fn the_patient_list_shows_the_name_decoded_from_pid_5_in_kanji() {
    let stored = stored_center().await;

    let html = page(&stored.center, "/web/facilities/0112345678").await;

    assert!(html.contains("9999013"), "{html}");
    assert!(html.contains("患者 太郎"), "kanji name missing: {html}");
    stored.center.shutdown().await;
}

#[tokio::test]
async fn a_patient_timeline_runs_by_care_date_with_the_superseded_version_as_history() {
    let stored = stored_center().await;

    let html = page(&stored.center, "/web/patients/0112345678/9999013").await;

    assert!(html.contains("患者 太郎"), "{html}");
    assert!(html.contains(r#"data-count="5""#), "5 documents: {html}");
    let newest = html.find("2026-11-24").expect("the PDF's care date");
    let older = html
        .find("2011-07-01")
        .expect("the prescription's care date");
    assert!(newest < older, "newest care date first");
    let history = html
        .find("<details>")
        .expect("a history of earlier versions");
    let first = html.find(&stored.first.receipt_id).unwrap();
    let update = html.find(&stored.update.receipt_id).unwrap();
    assert!(
        update < history && history < first,
        "the update is the entry, the superseded first version its history"
    );
    for receipt in [&stored.nsips, &stored.pdf, &stored.text] {
        assert!(html.contains(&receipt.receipt_id), "{}", receipt.receipt_id);
    }
    stored.center.shutdown().await;
}

#[tokio::test]
async fn the_document_list_filters_by_each_field() {
    let stored = stored_center().await;
    let all = [
        &stored.first,
        &stored.update,
        &stored.nsips,
        &stored.pdf,
        &stored.text,
        &stored.markup,
    ];
    // (query, the receipts it must list)
    let cases: [(&str, Vec<&Receipt>); 8] = [
        ("", all.to_vec()),
        ("kind=pdf", vec![&stored.pdf]),
        (
            "data_kind=OMP-01",
            vec![&stored.first, &stored.update, &stored.markup],
        ),
        ("outcome=superseded", vec![&stored.first]),
        ("care_date=202611", vec![&stored.pdf, &stored.text]),
        (
            "patient=%E6%82%A3%E8%80%85",
            vec![&stored.first, &stored.update],
        ),
        ("patient=9999077", vec![&stored.markup]),
        ("facility=0198765432", vec![]),
    ];
    for (query, expected) in cases {
        let html = page(&stored.center, &format!("/web/documents?{query}")).await;

        for receipt in all {
            assert_eq!(
                html.contains(&receipt.receipt_id),
                expected.contains(&receipt),
                "{query}: {} ({})",
                receipt.receipt_id,
                receipt.document_kind
            );
        }
        assert!(
            html.contains(&format!(r#"data-count="{}""#, expected.len())),
            "{query}: count"
        );
    }
    stored.center.shutdown().await;
}

#[tokio::test]
async fn a_patient_name_with_markup_is_shown_inert() {
    let stored = stored_center().await;

    for path in [
        "/web/facilities/0112345678".to_owned(),
        format!("/web/patients/0112345678/{MARKUP_PATIENT}"),
        "/web/documents".to_owned(),
    ] {
        let html = page(&stored.center, &path).await;

        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{path}: the name is shown escaped"
        );
        assert!(
            !html.contains("<script>alert"),
            "{path}: markup got through"
        );
    }
    stored.center.shutdown().await;
}

#[tokio::test]
async fn every_web_page_needs_the_token_and_sends_the_security_headers() {
    let stored = stored_center().await;
    let receipt = &stored.first.receipt_id;
    let paths = [
        "/".to_owned(),
        "/web".to_owned(),
        "/web/documents".to_owned(),
        "/web/facilities/0112345678".to_owned(),
        "/web/patients/0112345678/9999013".to_owned(),
        format!("/web/documents/{receipt}"),
        format!("/web/documents/{receipt}/raw"),
        "/web/journal".to_owned(),
        "/web/scenario".to_owned(),
        "/web/report".to_owned(),
        "/web/desk".to_owned(),
    ];
    for path in &paths {
        let url = format!("{}{path}", stored.center.admin_url());
        let without = reqwest::get(&url).await.unwrap();
        assert_eq!(without.status(), 401, "{path}");

        let (status, headers, _) = get(&stored.center, path).await;

        assert_eq!(status, 200, "{path}");
        assert!(
            headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'"),
            "{path}"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["cache-control"], "no-store", "{path}");
        assert_eq!(
            headers["content-type"], "text/html; charset=utf-8",
            "{path}"
        );
    }
    stored.center.shutdown().await;
}

#[tokio::test]
async fn links_carry_the_token_so_a_browser_can_follow_them() {
    let stored = stored_center().await;
    let token = stored.center.admin_token().to_owned();

    let html = page(&stored.center, "/").await;

    let link = format!("/web/documents/{}?token={token}", stored.update.receipt_id);
    assert!(html.contains(&link), "{html}");
    let (status, _, _) = {
        let response = reqwest::get(format!("{}{link}", stored.center.admin_url()))
            .await
            .unwrap();
        (response.status().as_u16(), (), ())
    };
    assert_eq!(status, 200);
    stored.center.shutdown().await;
}

/// GETs a page (200) with this `Accept-Language`, as a browser set to that language would.
async fn page_in(center: &MockCenter, path: &str, accept_language: &str) -> String {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", center.admin_url()))
        .bearer_auth(center.admin_token())
        .header("accept-language", accept_language)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = response.text().await.unwrap();
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// Every `href` of a page, `&amp;` unescaped.
fn hrefs(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|href| href.replace("&amp;", "&"))
        .collect()
}

#[tokio::test]
async fn a_browser_asking_for_japanese_gets_japanese_labels() {
    let stored = stored_center().await;

    let facility = page_in(&stored.center, "/web/facilities/0112345678", "ja,en;q=0.8").await;
    let document = page_in(
        &stored.center,
        &format!("/web/documents/{}", stored.update.receipt_id),
        "ja-JP",
    )
    .await;

    assert!(facility.contains(r#"<html lang="ja">"#), "{facility}");
    for label in [
        "患者ID",
        "患者氏名",
        "最新の診療日",
        "ジャーナル",
        "適合性試験の結果",
    ] {
        assert!(facility.contains(label), "{label}: {facility}");
    }
    assert!(!facility.contains("Patient ID"), "{facility}");
    for label in [
        "受付番号",
        "データ種別",
        "診療日",
        "転送用アカウント",
        "検証結果",
    ] {
        assert!(document.contains(label), "{label}: {document}");
    }
    // Stable codes stay as they are.
    assert!(document.contains("MSH-9"), "{document}");
    // The header chose it: links need not carry it (the browser sends it again).
    assert!(
        hrefs(&facility)
            .iter()
            .filter(|h| h.starts_with("/web"))
            .all(|h| !h.contains("lang=ja")),
        "{facility}"
    );
    stored.center.shutdown().await;
}

#[tokio::test]
async fn lang_ja_in_the_address_chooses_japanese_and_every_link_keeps_it() {
    let stored = stored_center().await;
    let token = stored.center.admin_token().to_owned();

    // The address wins over a browser set to English.
    let home = page_in(&stored.center, "/web?lang=ja", "en-US,en").await;

    assert!(home.contains(r#"<html lang="ja">"#), "{home}");
    assert!(home.contains("最近受け付けた文書"), "{home}");
    let links: Vec<String> = hrefs(&home)
        .into_iter()
        .filter(|h| h.starts_with("/web") && !h.starts_with("/web/assets"))
        .collect();
    assert!(links.len() > 5, "{links:?}");
    let (switch, others): (Vec<&String>, Vec<&String>) =
        links.iter().partition(|h| h.ends_with("lang=en"));
    assert_eq!(switch.len(), 1, "one switch to English: {links:?}");
    for link in &others {
        assert!(link.ends_with("&lang=ja"), "{link} drops the language");
    }
    // The filter form keeps it too.
    assert!(
        home.contains(r#"<input type="hidden" name="lang" value="ja">"#),
        "{home}"
    );
    // A link followed by a browser (token from the link, no Accept-Language) stays Japanese.
    let document = others
        .iter()
        .find(|h| h.contains(&stored.update.receipt_id))
        .expect("a link to the update");
    assert!(document.contains(&format!("token={token}")), "{document}");
    let followed = reqwest::get(format!("{}{document}", stored.center.admin_url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(followed.contains(r#"<html lang="ja">"#), "{followed}");
    assert!(followed.contains("受付番号"), "{followed}");
    let journal = page(&stored.center, "/web/journal?lang=ja").await;
    assert!(journal.contains("接続の絞り込み"), "{journal}");
    stored.center.shutdown().await;
}

#[tokio::test]
async fn english_is_the_default_and_the_switch_offers_japanese() {
    let stored = stored_center().await;

    let plain = page(&stored.center, "/web/journal?account=x").await;
    let unknown = page_in(&stored.center, "/web", "fr-FR,de;q=0.5").await;
    let chosen = page_in(&stored.center, "/web?lang=en", "ja").await;

    for html in [&plain, &unknown, &chosen] {
        assert!(html.contains(r#"<html lang="en">"#), "{html}");
        assert!(!html.contains("ジャーナル"), "{html}");
    }
    assert!(plain.contains("Filter connections"), "{plain}");
    let switch = hrefs(&plain)
        .into_iter()
        .find(|h| h.ends_with("lang=ja"))
        .expect("a switch to Japanese");
    // The same page, its query kept.
    assert!(
        switch.starts_with("/web/journal?") && switch.contains("account=x"),
        "{switch}"
    );
    assert!(plain.contains(">日本語</a>"), "{plain}");
    assert!(
        hrefs(&plain).iter().all(|h| !h.contains("lang=en")),
        "no language in links unless chosen: {plain}"
    );
    stored.center.shutdown().await;
}

/// The part of `html` from the element with `id` to the end of its table row.
fn row<'h>(html: &'h str, id: &str) -> &'h str {
    let start = html
        .find(&format!(r#"id="{id}""#))
        .unwrap_or_else(|| panic!("no element {id}: {html}"));
    let end = html[start..].find("</tr>").expect("the row ends") + start;
    &html[start..end]
}

#[tokio::test]
async fn the_hl7_view_names_fields_splits_components_and_decodes_kanji() {
    let stored = stored_center().await;

    let html = page(
        &stored.center,
        &format!("/web/documents/{}", stored.first.receipt_id),
    )
    .await;

    assert!(html.contains("iso-2022-jp"), "charset named: {html}");
    let pid5 = row(&html, "f-2-PID-5");
    assert!(pid5.contains("Patient Name"), "{pid5}");
    assert!(
        pid5.contains("PID-5.1</code> Family Name: <span lang=\"ja\">患者</span>"),
        "{pid5}"
    );
    assert!(
        pid5.contains("PID-5.2</code> Given Name: <span lang=\"ja\">太郎</span>"),
        "{pid5}"
    );
    assert!(pid5.contains("カンジャ"), "second repetition: {pid5}");
    let msh9 = row(&html, "f-1-MSH-9");
    assert!(
        msh9.contains("Message Type") && msh9.contains("RDE_O11"),
        "{msh9}"
    );
    let orc2 = row(&html, "f-4-ORC-2");
    assert!(
        orc2.contains("Placer Order Number") && orc2.contains(SAMPLE_ORDER),
        "{orc2}"
    );
    let rxe2 = row(&html, "f-5-RXE-2");
    assert!(rxe2.contains("ダーゼン錠"), "{rxe2}");
    assert!(
        html.contains(r#"data-errors="0" data-warnings="0""#),
        "a clean message"
    );
    stored.center.shutdown().await;
}

#[tokio::test]
async fn findings_are_shown_on_the_field_they_point_at_with_code_and_hint() {
    // The sample as found in the wild (MSH-18 "~ISOIR87"), stored by a lenient center.
    const WILD: &[u8] = include_bytes!(
        "../../formats/tests/data/lenient/9999013_20110701_OMP-01_000000011000185_20110701224603984_01_1"
    );
    let mut config = idlink_mock::MockConfig::demo();
    config.strictness = idlink_mock::Strictness::Lenient;
    let center = MockCenter::start(config).await.unwrap();
    let receipt = upload(
        &center,
        "hl7",
        "application/hl7-v2",
        "9999013",
        &[("idlink-data-kind", "OMP-01")],
        "wild",
        WILD,
    )
    .await;

    let html = page(&center, &format!("/web/documents/{}", receipt.receipt_id)).await;

    let msh18 = row(&html, "f-1-MSH-18");
    assert!(msh18.contains(r#"class="finding-warning""#), "{msh18}");
    assert!(
        msh18.contains(r#"data-code="HL7-CHARSET-SPELLING""#),
        "{msh18}"
    );
    assert!(msh18.contains("~ISO IR87"), "the hint: {msh18}");
    assert!(msh18.contains("Character Set"), "{msh18}");
    let msh20 = row(&html, "f-1-MSH-20");
    assert!(msh20.contains("HL7-CHARSET-SPELLING"), "{msh20}");
    let pid5 = row(&html, "f-2-PID-5");
    assert!(!pid5.contains("data-code"), "no finding on PID-5: {pid5}");
    assert!(html.contains(r#"data-warnings="3""#), "{html}");
    // In Japanese the same finding reads in Japanese (from the formats catalogue).
    let html_ja = page_in(
        &center,
        &format!("/web/documents/{}", receipt.receipt_id),
        "ja",
    )
    .await;
    let msh18_ja = row(&html_ja, "f-1-MSH-18");
    assert!(
        msh18_ja.contains("HL7 テーブルの表記は"),
        "the message in Japanese: {msh18_ja}"
    );
    assert!(
        msh18_ja.contains("空白を含めて"),
        "the hint in Japanese: {msh18_ja}"
    );
    center.shutdown().await;
}

#[tokio::test]
async fn a_shift_jis_message_is_decoded_with_the_charset_declared_on_upload() {
    const SJIS: &[u8] = include_bytes!("../../scenarios/fixtures/hl7/shift_jis/omp01-sjis.hl7");
    let center = demo_center().await;
    let receipt = upload(
        &center,
        "hl7",
        "application/hl7-v2; charset=shift_jis",
        "9999013",
        &[("idlink-data-kind", "OMP-01")],
        "sjis",
        SJIS,
    )
    .await;

    let html = page(&center, &format!("/web/documents/{}", receipt.receipt_id)).await;

    assert!(html.contains(r#"<dd id="hl7-charset">shift_jis"#), "{html}");
    assert!(row(&html, "f-2-PID-5").contains("患者"), "{html}");
    let patients = page(&center, "/web/facilities/0112345678").await;
    assert!(
        patients.contains("患者 太郎"),
        "the name decoded as declared: {patients}"
    );
    center.shutdown().await;
}

#[tokio::test]
async fn the_raw_view_shows_the_bytes_in_hex_with_escape_sequences_marked() {
    let stored = stored_center().await;

    let html = page(
        &stored.center,
        &format!("/web/documents/{}/raw", stored.first.receipt_id),
    )
    .await;

    // PID-5 starts with ESC $ B (1b 24 42), 患 (34 35), and ends its run with ESC ( B.
    assert!(
        html.contains(r#"<span class="esc">1b</span> <span class="esc">24</span> <span class="esc">42</span> 34 35"#),
        "{html}"
    );
    assert!(html.contains("4d 53 48 7c"), "MSH| at offset 0");
    assert!(html.contains("00000000"));
    stored.center.shutdown().await;
}

#[tokio::test]
async fn a_pdf_is_framed_inline_and_served_as_a_pdf_under_its_own_policy() {
    let stored = stored_center().await;
    let receipt = &stored.pdf.receipt_id;

    let (_, page_headers, html) = get(&stored.center, &format!("/web/documents/{receipt}")).await;
    let (status, headers, body) =
        get(&stored.center, &format!("/web/documents/{receipt}/file")).await;

    assert!(
        html.contains(&format!(
            r#"<iframe class="pdf" src="/web/documents/{receipt}/file?token="#
        )),
        "{html}"
    );
    assert!(
        page_headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-src 'self'")
    );
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/pdf");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline")
    );
    assert_eq!(headers["x-frame-options"], "SAMEORIGIN");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'self'") && csp.starts_with("default-src 'none'"),
        "{csp}"
    );
    assert_eq!(body.as_bytes(), PDF);
    // Only that route is loosened: every other page keeps frame-ancestors 'none' and DENY.
    let (_, other, _) = get(
        &stored.center,
        &format!("/web/documents/{}/file", stored.text.receipt_id),
    )
    .await;
    assert_eq!(other["x-frame-options"], "DENY");
    assert_eq!(other["content-type"], "application/octet-stream");
    stored.center.shutdown().await;
}

#[tokio::test]
async fn text_is_shown_with_its_declared_character_set_and_nsips_as_record_tables() {
    let stored = stored_center().await;

    let text = page(
        &stored.center,
        &format!("/web/documents/{}", stored.text.receipt_id),
    )
    .await;
    let nsips = page(
        &stored.center,
        &format!("/web/documents/{}", stored.nsips.receipt_id),
    )
    .await;

    assert!(
        text.contains("紹介状") && text.contains("患者 太郎 様"),
        "{text}"
    );
    assert!(
        text.contains(r#"<dd id="text-charset"><code>shift_jis</code> (declared on upload)"#),
        "{text}"
    );
    assert!(nsips.contains("Record <code>201</code>"), "{nsips}");
    assert!(nsips.contains("<td lang=\"ja\">患者　太郎</td>"), "{nsips}");
    assert!(
        nsips.contains("<td lang=\"ja\">架空錠１０ｍｇ</td>"),
        "{nsips}"
    );
    assert!(
        nsips.contains(r#"data-code="NSIPS-PROFILE-MISSING""#),
        "the upload's warning: {nsips}"
    );
    stored.center.shutdown().await;
}

/// The stored center plus a handshake refused for a revoked certificate and an upload that an
/// armed fault answered with 503: what a person opens the journal to understand.
async fn journal_center() -> (Stored, idlink_protocol::Receipt) {
    let stored = stored_center().await;
    let center = &stored.center;
    let revoked = client_with(
        pki(center),
        Some(pki(center).client(idlink_certs::Variant::Revoked)),
        false,
    );
    let refused = revoked
        .get(format!("{}/v1/whoami", center.mtls_url()))
        .send()
        .await;
    assert!(refused.is_err());
    rejection_reason(center).await;
    center.faults().inject(idlink_mock::Fault::problem(
        idlink_protocol::ProblemCode::Maintenance,
        Some(30),
        1,
    ));
    let faulted = hl7_upload(
        &mtls_client(center),
        &center.mtls_url(),
        CERT_ACCOUNT,
        "w-1",
        SAMPLE_OMP01,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(faulted.status(), 503);
    let first = stored.first.clone();
    (stored, first)
}

#[tokio::test]
async fn the_journal_shows_each_connection_with_its_handshake_requests_and_injected_actions() {
    let (stored, _) = journal_center().await;
    let subject = stored
        .center
        .journal()
        .entries()
        .into_iter()
        .find_map(|e| match e.event {
            idlink_mock::JournalEvent::HandshakeOk {
                client_certificate: Some(cert),
                ..
            } => Some(cert.subject),
            _ => None,
        })
        .expect("an mTLS handshake with a certificate");

    let html = page(&stored.center, "/web/journal").await;

    assert!(
        html.contains("the client certificate is revoked"),
        "the rejection in words: {html}"
    );
    // The refused connection names the certificate it refused.
    let revoked = pki(&stored.center).client(idlink_certs::Variant::Revoked);
    let presented = idlink_certs::inspect::cert_info(revoked.cert_der()).unwrap();
    assert!(
        html.contains(&presented.serial_hex) && html.contains(&presented.subject),
        "the refused certificate's serial {} and subject: {html}",
        presented.serial_hex
    );
    assert!(html.contains("TLSv1.3"), "{html}");
    assert!(html.contains(&subject), "certificate subject {subject}");
    assert!(html.contains("<code>POST /v1/documents</code>"), "{html}");
    for receipt in [&stored.first, &stored.update, &stored.pdf] {
        assert!(
            html.contains(&format!(
                "/web/documents/{}?token={}",
                receipt.receipt_id,
                stored.center.admin_token()
            )),
            "the upload links to its document {}",
            receipt.receipt_id
        );
    }
    let injected = html
        .find(r#"data-injected="true""#)
        .expect("the injected action is marked");
    assert!(html[injected..].contains("maintenance"), "{html}");
    assert!(html.contains("<strong>503</strong>"), "{html}");
    assert!(!html.contains("demo-cert-pass"), "no password in the page");
    stored.center.shutdown().await;
}

#[tokio::test]
async fn the_journal_filters_by_outcome_listener_account_time_and_document() {
    let (stored, first) = journal_center().await;
    // 6 stored uploads + 1 refused handshake + 1 faulted upload, one connection each.
    let cases: [(String, usize); 8] = [
        (String::new(), 8),
        ("outcome=rejected".into(), 1),
        ("outcome=injected".into(), 1),
        ("outcome=failed".into(), 1),
        ("outcome=ok".into(), 6),
        ("listener=vpn".into(), 0),
        // The faulted upload was answered before authentication: no account on it.
        ("account=fac-0112345678".into(), 6),
        ("from=9999".into(), 0),
    ];
    for (query, count) in &cases {
        let html = page(&stored.center, &format!("/web/journal?{query}")).await;

        assert!(
            html.contains(&format!(r#"id="connection-count" data-count="{count}""#)),
            "{query}: expected {count} connections: {}",
            html.split("connection-count")
                .nth(1)
                .unwrap_or("")
                .get(..40)
                .unwrap_or("")
        );
    }
    // The first document's requests: its own upload and the faulted retry with its key.
    let html = page(
        &stored.center,
        &format!("/web/journal?receipt={}", first.receipt_id),
    )
    .await;
    assert!(html.contains(r#"data-count="2""#), "{html}");
    assert!(html.contains("<strong>201</strong>") && html.contains("<strong>503</strong>"));
    assert!(
        !html.contains(&stored.update.receipt_id),
        "not the update's upload"
    );
    stored.center.shutdown().await;
}

#[tokio::test]
async fn the_live_journal_long_polls_for_the_next_entry_and_its_script_is_served_from_the_binary() {
    let center = demo_center().await;
    let latest = center.journal().recent(1)[0].seq;
    let admin = center.admin_url();
    let token = center.admin_token().to_owned();
    let poll = tokio::spawn(async move {
        reqwest::get(format!(
            "{admin}/web/journal/seq?token={token}&since={latest}&wait_ms=10000"
        ))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
    });

    let client = mtls_client(&center);
    let whoami = client
        .get(format!("{}/v1/whoami", center.mtls_url()))
        .basic_auth(CERT_ACCOUNT.0, Some(CERT_ACCOUNT.1))
        .send()
        .await
        .unwrap();
    assert_eq!(whoami.status(), 200);
    let answered: u64 = poll.await.unwrap().parse().unwrap();

    assert!(answered > latest, "{answered} > {latest}");
    let (status, headers, script) = get(&center, "/web/assets/live.js").await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/javascript; charset=utf-8");
    assert!(script.contains("/web/journal/seq"));
    let (_, headers, html) = get(&center, "/web/journal").await;
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(
        html.contains(r#"<script src="/web/assets/live.js?token="#),
        "{html}"
    );
    center.shutdown().await;
}

#[tokio::test]
async fn the_scenario_page_shows_the_current_state_the_states_visited_and_the_actions_fired() {
    let center = demo_center().await;
    let admin = reqwest::Client::new();
    let scenario = r#"schema = "idlink-scenario/1"
id = "WEB-STATE"
title = "t"
summary = "t"
[machine]
initial = "first"
[[machine.state]]
name = "first"
on = { route = "upload" }
action = { kind = "problem", code = "maintenance", retry_after = "5s" }
times = 1
next = "rest"
[[machine.state]]
name = "rest"
on = { route = "upload" }
"#;
    let before = page(&center, "/web/scenario").await;
    let loaded = admin
        .post(format!("{}/admin/scenario", center.admin_url()))
        .bearer_auth(center.admin_token())
        .body(scenario)
        .send()
        .await
        .unwrap();
    assert_eq!(loaded.status(), 200);
    let answer = hl7_upload(
        &mtls_client(&center),
        &center.mtls_url(),
        CERT_ACCOUNT,
        "s-1",
        SAMPLE_OMP01,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(answer.status(), 503);

    let html = page(&center, "/web/scenario").await;

    assert!(before.contains(r#"id="scenario-none""#), "{before}");
    assert!(html.contains("<code>WEB-STATE</code>"), "{html}");
    assert!(
        html.contains(r#"<dd id="scenario-state"><strong>rest</strong>"#),
        "{html}"
    );
    assert!(
        html.contains(
            r#"<ol id="states-visited"><li>first</li><li aria-current="step"><strong>rest</strong>"#
        ),
        "{html}"
    );
    let fired = &html[html.find(r#"id="actions-fired""#).expect("actions table")..];
    assert!(
        fired.contains("maintenance") && fired.contains("first"),
        "{fired}"
    );
    center.shutdown().await;
}

/// A runner report (schema `idlink-conformance-report/1`) with one passing and one failing
/// scenario; the failing expectation's evidence holds markup, which must stay inert.
fn runner_report(schema: &str) -> String {
    serde_json::json!({
        "schema": schema,
        "tool": { "name": "idlink-conformance", "version": "0.1.0" },
        "suite": "scenarios",
        "client_command": "storeclient-adapter",
        "client_mode": "command",
        "seed": 7,
        "time_scale": 0.02,
        "scaled": true,
        "started_at": "2026-11-29T10:00:00Z",
        "duration_ms": 1200,
        "summary": {
            "scenarios": { "total": 2, "passed": 1, "failed": 1, "skipped": 0, "errored": 0 },
            "expectations": { "total": 3, "passed": 2, "failed": 1, "skipped": 0, "errored": 0 }
        },
        "scenarios": [
            {
                "id": "HAPPY-PDF", "title": "PDF report", "summary": "A PDF is stored.",
                "file": "happy/HAPPY-PDF.toml", "level": "required", "verifies": [],
                "verdict": "pass", "seed": 1, "time_scale": 0.02, "duration_ms": 10,
                "runs": [{ "index": 1, "exit_code": 0, "timed_out": false, "duration_ms": 10, "output": "" }],
                "expectations": [{
                    "id": "stored", "description": "stored once", "severity": "error",
                    "verdict": "pass", "expected": "one copy", "actual": "stored once",
                    "message": "", "evidence": []
                }],
                "actions_fired": [], "states_visited": []
            },
            {
                "id": "RETRY-503", "title": "Retry after 503", "summary": "The client waits.",
                "file": "retry/RETRY-503.toml", "level": "required", "verifies": ["PROTO-CLI-003"],
                "verdict": "fail", "seed": 2, "time_scale": 0.02, "duration_ms": 20,
                "runs": [{ "index": 1, "exit_code": 1, "timed_out": false, "duration_ms": 20, "output": "" }],
                "expectations": [
                    {
                        "id": "waits", "description": "waits Retry-After", "requirement": "PROTO-CLI-003",
                        "severity": "error", "verdict": "fail",
                        "expected": "a gap of at least 10 s", "actual": "retried after 0.2 s",
                        "message": "the client ignored Retry-After",
                        "evidence": ["#12 response 503 maintenance <b>Retry-After</b> 10"]
                    },
                    {
                        "id": "stored", "description": "stored once", "severity": "error",
                        "verdict": "pass", "expected": "one copy", "actual": "stored once",
                        "message": "", "evidence": []
                    }
                ],
                "actions_fired": [{ "at_ms": 5, "state": "first", "action": "problem 503 maintenance" }],
                "states_visited": ["first", "rest"]
            }
        ],
        "coverage": []
    })
    .to_string()
}

#[tokio::test]
async fn a_posted_runner_report_shows_verdicts_expected_and_actual_and_the_journal_excerpt() {
    let center = demo_center().await;
    let post = |body: String| {
        reqwest::Client::new()
            .post(format!("{}/web/report", center.admin_url()))
            .bearer_auth(center.admin_token())
            .body(body)
            .send()
    };
    let empty = page(&center, "/web/report").await;

    let wrong = post(runner_report("idlink-conformance-report/9"))
        .await
        .unwrap();
    let garbage = post("{".to_owned()).await.unwrap();
    let loaded = post(runner_report("idlink-conformance-report/1"))
        .await
        .unwrap();
    let html = page(&center, "/web/report").await;

    assert!(empty.contains(r#"id="report-none""#));
    assert_eq!(wrong.status(), 422);
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("idlink-conformance-report/9")
    );
    assert_eq!(garbage.status(), 422);
    assert_eq!(loaded.status(), 204);
    let failing = &html[html
        .find(r#"id="scenario-RETRY-503""#)
        .expect("the failing scenario")..];
    assert!(failing.contains(r#"data-verdict="fail""#), "{failing}");
    assert!(failing.contains("a gap of at least 10 s") && failing.contains("retried after 0.2 s"));
    assert!(failing.contains("the client ignored Retry-After"));
    assert!(
        failing.contains("#12 response 503 maintenance &lt;b&gt;Retry-After&lt;/b&gt; 10"),
        "the journal excerpt, escaped: {failing}"
    );
    assert!(failing.contains("first → rest"));
    assert!(html.contains(r#"id="scenario-HAPPY-PDF""#));
    let without_token = reqwest::Client::new()
        .post(format!("{}/web/report", center.admin_url()))
        .body(runner_report("idlink-conformance-report/1"))
        .send()
        .await
        .unwrap();
    assert_eq!(without_token.status(), 401);
    center.shutdown().await;
}

#[tokio::test]
async fn nsips_columns_are_named_by_the_configured_profile() {
    let mut config = idlink_mock::MockConfig::demo();
    config.nsips_profile = Some(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../formats/profiles/nsips-fictional-sample.toml"),
    );
    let center = MockCenter::start(config).await.unwrap();
    let receipt = upload(
        &center,
        "nsips",
        "text/csv; charset=shift_jis",
        "9999013",
        &[],
        "p-1",
        NSIPS_VALID,
    )
    .await;

    let html = page(&center, &format!("/web/documents/{}", receipt.receipt_id)).await;

    assert!(
        html.contains("<code>nsips-fictional-sample</code>"),
        "{html}"
    );
    assert!(
        html.contains("Record <code>1</code> patient (fictional)"),
        "{html}"
    );
    assert!(
        html.contains(r#"<th scope="col">patient name</th>"#),
        "{html}"
    );
    assert!(html.contains(r#"<th scope="col">drug name</th>"#), "{html}");
    assert!(
        !html.contains("NSIPS-PROFILE-MISSING"),
        "checked with the profile"
    );
    center.shutdown().await;
}
