//! Upload metadata the contract states precisely (issue 11 items 1 to 5): where the care date
//! comes from and when `IDLink-Care-Date` is refused, UTF-8 file names, the character set in the
//! receipt and the index, the department code and the Japan-time timestamp of SS-MIX2 names.

use idlink_mock::MockCenter;
use idlink_protocol::{ContentDigest, Receipt};
use reqwest::RequestBuilder;

use crate::support::*;

/// The sample's SS-MIX2 file name (care date 20110701, ORC-9 20110701103045).
const SAMPLE_NAME: &str = "9999013_20110701_OMP-01_000000011000185_20110701224603984_01_1";
/// SS-MIX2 sample ADT^A08 (ADT-00: no care-date field, stored under `-`).
const SAMPLE_ADT00: &[u8] = include_bytes!(
    "../../formats/tests/data/valid/9999013_-_ADT-00_999999999999999_20111220224447339_-_1"
);
const PDF: &[u8] = include_bytes!("../../formats/tests/data/pdf/valid.pdf");

fn upload(center: &MockCenter, key: &str, bytes: &[u8]) -> RequestBuilder {
    hl7_upload(
        &mtls_client(center),
        &center.mtls_url(),
        CERT_ACCOUNT,
        key,
        bytes,
    )
}

fn text_upload(center: &MockCenter, key: &str, text: &str) -> RequestBuilder {
    mtls_client(center)
        .post(format!("{}/v1/documents", center.mtls_url()))
        .basic_auth(CERT_ACCOUNT.0, Some(CERT_ACCOUNT.1))
        .header("content-type", "text/plain; charset=UTF-8")
        .header("idlink-document-kind", "text")
        .header("idlink-facility", "0112345678")
        .header("idlink-patient-id", "9999013")
        .header("idlink-destination", "storage")
        .header(
            "content-digest",
            ContentDigest::of(text.as_bytes()).to_string(),
        )
        .header("idempotency-key", key)
        .body(text.as_bytes().to_vec())
}

fn pdf_upload(center: &MockCenter, key: &str) -> RequestBuilder {
    mtls_client(center)
        .post(format!("{}/v1/documents", center.mtls_url()))
        .basic_auth(CERT_ACCOUNT.0, Some(CERT_ACCOUNT.1))
        .header("content-type", "application/pdf")
        .header("idlink-document-kind", "pdf")
        .header("idlink-facility", "0112345678")
        .header("idlink-patient-id", "9999013")
        .header("idlink-destination", "storage")
        .header("content-digest", ContentDigest::of(PDF).to_string())
        .header("idempotency-key", key)
        .body(PDF.to_vec())
}

/// The folder names of a stored path: `[facility, p1, p2, pid, care date, ...]`.
fn care_folder(receipt: &Receipt) -> &str {
    receipt.stored_path.split('/').nth(4).unwrap()
}

#[tokio::test]
async fn a_care_date_header_that_contradicts_the_file_name_or_the_message_is_refused() {
    // PROTO-UP-014: for HL7 the header is checked, never a source.
    let center = demo_center().await;
    // (case, IDLink-File-Name, IDLink-Care-Date, what the detail must name)
    let cases = [
        (
            "against the file name",
            Some(SAMPLE_NAME),
            "20261124",
            "the SS-MIX2 file name's care date is 20110701",
        ),
        (
            "against the message",
            None,
            "20110702",
            "the message's care date (ORC-9, the care-date field of OMP-01) is 20110701",
        ),
        (
            "a date where the message has one",
            None,
            "-",
            "the message's care date (ORC-9, the care-date field of OMP-01) is 20110701",
        ),
    ];
    for (i, (case, file_name, header, source)) in cases.into_iter().enumerate() {
        let mut request =
            upload(&center, &format!("cd-{i}"), SAMPLE_OMP01).header("idlink-care-date", header);
        if let Some(name) = file_name {
            request = request.header("idlink-file-name", name);
        }

        let problem = problem(request.send().await.unwrap()).await;

        assert_eq!(
            (problem.status, problem.code.as_str()),
            (422, "care-date-mismatch"),
            "{case}"
        );
        assert_eq!(problem.requirement, "PROTO-UP-014");
        assert_eq!(problem.header.as_deref(), Some("IDLink-Care-Date"));
        assert_eq!(
            problem.detail,
            format!(
                "IDLink-Care-Date is {header} but {source}: send IDLink-Care-Date: 20110701 or \
                 leave the header out; nothing was stored"
            ),
            "{case}"
        );
    }
    assert!(center.store().documents().is_empty(), "nothing was stored");
    center.shutdown().await;
}

#[tokio::test]
async fn a_kind_without_a_care_date_refuses_a_date_and_takes_the_ss_mix2_dash() {
    // PROTO-UP-014: ADT-00 is always stored under `-`; `-` is the SS-MIX2 spelling.
    let center = demo_center().await;
    // The helper sets OMP-01 and a repeated header is refused, so it is replaced.
    let adt = |key: &str, care_date: &str| {
        let (client, request) = upload(&center, key, SAMPLE_ADT00)
            .header("idlink-care-date", care_date)
            .build_split();
        let mut request = request.unwrap();
        request
            .headers_mut()
            .insert("idlink-data-kind", "ADT-00".parse().unwrap());
        (client, request)
    };

    let (client, refused) = adt("adt-date", "20111220");
    let refused = problem(client.execute(refused).await.unwrap()).await;
    let (client, accepted) = adt("adt-dash", "-");
    let accepted = receipt_of(client.execute(accepted).await.unwrap(), 201).await;

    assert_eq!(refused.code, "care-date-mismatch");
    assert_eq!(
        refused.detail,
        "IDLink-Care-Date is 20111220 but ADT-00 documents have no care date and are always \
         stored under \"-\": send IDLink-Care-Date: - or leave the header out; nothing was stored"
    );
    assert_eq!(care_folder(&accepted), "-");
    center.shutdown().await;
}

#[tokio::test]
async fn a_matching_care_date_header_is_accepted_and_other_kinds_take_the_header_or_dash() {
    // PROTO-UP-014
    let center = demo_center().await;
    let hl7 = upload(&center, "cd-match", SAMPLE_OMP01)
        .header("idlink-file-name", SAMPLE_NAME)
        .header("idlink-care-date", "20110701");
    let dated = pdf_upload(&center, "pdf-dated").header("idlink-care-date", "20261124");
    let dash = text_upload(&center, "text-dash", "所見なし\n").header("idlink-care-date", "-");
    let none = text_upload(&center, "text-none", "再診予定\n");

    let hl7 = receipt_of(hl7.send().await.unwrap(), 201).await;
    let dated = receipt_of(dated.send().await.unwrap(), 201).await;
    let dash = receipt_of(dash.send().await.unwrap(), 201).await;
    let none = receipt_of(none.send().await.unwrap(), 201).await;

    assert_eq!(care_folder(&hl7), "20110701");
    assert_eq!(care_folder(&dated), "20261124");
    assert_eq!(care_folder(&dash), "-");
    assert_eq!(care_folder(&none), "-");
    let bad = problem(
        pdf_upload(&center, "pdf-bad")
            .header("idlink-care-date", "2026-11-24")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (bad.code.as_str(), bad.header.as_deref()),
        ("invalid-request", Some("IDLink-Care-Date"))
    );
    center.shutdown().await;
}

#[tokio::test]
async fn a_japanese_file_name_is_stored_under_its_name_and_hostile_ones_are_refused() {
    // PROTO-UP-015
    let center = demo_center().await;

    let receipt = receipt_of(
        pdf_upload(&center, "jp-name")
            .header("idlink-file-name", "UTF-8''%E7%B4%B9%E4%BB%8B%E7%8A%B6.pdf")
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;

    assert!(
        receipt
            .stored_path
            .ends_with(&format!("/{}/紹介状.pdf", receipt.receipt_id)),
        "{}",
        receipt.stored_path
    );
    assert_eq!(center.store().read(&receipt.stored_path).unwrap(), PDF);
    let on_disk = center.store().root().join(&receipt.stored_path);
    assert_eq!(on_disk.file_name().unwrap(), "紹介状.pdf");
    for (value, reason) in [
        ("UTF-8''..%2F..%2Fx.pdf", "path separator"),
        ("UTF-8''%2E%2E", "names starting with `.`"),
        ("UTF-8''a%0Ab.pdf", "control characters"),
        ("UTF-8''%FF.pdf", "not UTF-8"),
    ] {
        let refused = problem(
            pdf_upload(&center, "hostile")
                .header("idlink-file-name", value)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(
            (refused.code.as_str(), refused.header.as_deref()),
            ("invalid-request", Some("IDLink-File-Name")),
            "{value}"
        );
        assert!(
            refused.detail.contains(reason),
            "{value}: {}",
            refused.detail
        );
    }
    assert_eq!(center.store().documents().len(), 1);
    center.shutdown().await;
}

#[tokio::test]
async fn the_receipt_and_the_index_record_the_character_set_read() {
    // PROTO-RCPT-002
    let center = demo_center().await;
    let sjis = encoding_rs::SHIFT_JIS.encode("①髙橋\n").0.into_owned();
    let (client, mut sjis_upload) = text_upload(&center, "cs-sjis", "").build_split();
    let sjis_upload = {
        let request = sjis_upload.as_mut().unwrap();
        let headers = request.headers_mut();
        headers.insert(
            "content-type",
            "text/plain; charset=windows-31j".parse().unwrap(),
        );
        headers.insert(
            "content-digest",
            ContentDigest::of(&sjis).to_string().parse().unwrap(),
        );
        *request.body_mut() = Some(sjis.into());
        sjis_upload.unwrap()
    };

    let hl7 = receipt_of(
        upload(&center, "cs-hl7", SAMPLE_OMP01)
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    let text = receipt_of(
        text_upload(&center, "cs-text", "紹介状の本文です。\n")
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    let pdf = receipt_of(pdf_upload(&center, "cs-pdf").send().await.unwrap(), 201).await;

    assert_eq!(hl7.charset.as_deref(), Some("iso-2022-jp"));
    assert_eq!(text.charset.as_deref(), Some("utf-8"));
    let sjis = receipt_of(client.execute(sjis_upload).await.unwrap(), 201).await;
    assert_eq!(
        sjis.charset.as_deref(),
        Some("shift_jis"),
        "the canonical name"
    );
    assert_eq!(pdf.charset, None);
    let indexed = center.store().receipt(&hl7.receipt_id).unwrap();
    assert_eq!(indexed.receipt.charset.as_deref(), Some("iso-2022-jp"));
    let fetched: serde_json::Value = mtls_client(&center)
        .get(format!(
            "{}/v1/receipts/{}",
            center.mtls_url(),
            pdf.receipt_id
        ))
        .basic_auth(CERT_ACCOUNT.0, Some(CERT_ACCOUNT.1))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(fetched["charset"], serde_json::Value::Null, "present, null");
    center.shutdown().await;
}

#[tokio::test]
async fn the_department_is_orc_17_else_pv1_10_else_dash() {
    // PROTO-STORE-006
    const ORC17: &[u8] = b"|01^\x1b$BFb2J\x1b(B^99XY1|";
    const PV1_10: &[u8] = b"^I|||01\r";
    let pv1_09 = replace_all(SAMPLE_OMP01, PV1_10, b"^I|||09\r");
    let no_orc17 = replace_all(&pv1_09, ORC17, b"||");
    let neither = replace_all(&no_orc17, b"^I|||09\r", b"^I|||\r");
    let center = demo_center().await;
    let mut departments = Vec::new();
    for (key, bytes) in [
        ("orc17", &pv1_09),
        ("pv1-10", &no_orc17),
        ("neither", &neither),
    ] {
        let receipt = receipt_of(upload(&center, key, bytes).send().await.unwrap(), 201).await;
        let name = receipt.stored_path.rsplit('/').next().unwrap().to_owned();
        departments.push(name.split('_').nth(5).unwrap().to_owned());
    }

    assert_eq!(departments, ["01", "09", "-"]);
    center.shutdown().await;
}

#[tokio::test]
async fn the_ss_mix2_timestamp_is_the_receive_time_in_japan() {
    // PROTO-STORE-005: the name's 17 digits are `received_at` (UTC) shifted by +09:00.
    let center = demo_center().await;

    let receipt = receipt_of(
        upload(&center, "jst", SAMPLE_OMP01).send().await.unwrap(),
        201,
    )
    .await;

    let received = time::OffsetDateTime::parse(
        &receipt.received_at,
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap()
    .to_offset(time::macros::offset!(+9));
    let expected = format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}{:03}",
        received.year(),
        u8::from(received.month()),
        received.day(),
        received.hour(),
        received.minute(),
        received.second(),
        received.millisecond()
    );
    let name = receipt.stored_path.rsplit('/').next().unwrap();
    assert_eq!(name.split('_').nth(4), Some(expected.as_str()), "{name}");
    center.shutdown().await;
}
