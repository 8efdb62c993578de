#!/usr/bin/env python3
"""Regenerate the byte-exact fixtures in this directory: `python3 make_fixtures.py`.

Deterministic (no clocks, no randomness); the outputs are committed, and README.md lists what
each file exercises. Base messages are the SS-MIX2 sample messages A, B and C quoted in
shared/reference/domain.md §3.5, from nhoHQ/SSMIX2DataTestingTool (Apache-2.0,
https://github.com/nhoHQ/SSMIX2DataTestingTool @ 550fdcd); their known defects (PID-3 not matching
the file name in C, CR+0x1C endings, spelling variants) are fixed in valid/ and kept, on purpose,
in lenient/ and broken/.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))

MSH = "MSH|^~\\&|HIS123|SEND|GW|RCV|{dt}||{type}|{ctl}|P|2.5||||||~ISO IR87||ISO 2022-1994|SS-MIX2_1.20^SS-MIX2^1.2.392.200250.2.1.100.1.2.120^ISO"

ADT00 = [
    MSH.format(dt="20111220224447.3399", type="ADT^A08^ADT_A01", ctl="20111220000001"),
    "EVN||201112202100|||||SEND001",
    "PID|0001||9999013||患者^太郎^^^^^L^I~カンジャ^タロウ^^^^^L^P||19480405|M|||^^^^422-8033^JPN^H^静岡県静岡市登呂１−３−５||^PRN^PH^^^^^^^^^054-000-0000~^EMR^PH^^^^^^^^^03-5999-9999|^WPN^PH^^^^^^^^^03-3599-9993|||||||||||||||||||20111219121551",
    "NK1|1|患者^太郎^^^^^L^I~カンジャ^タロウ^^^^^L^P|SEL^本人^HL70063|^^^^422-8033^JPN^H^静岡県静岡市登呂１−３−５~^^^^1050003^^B^東京都港区鹿ノ門６丁目３番３号|^PRN^PH^^^^^^^^^054-000-0000|^WPN^PH^^^^^^^^^03-3599-9993|||||||鹿ノ門商事株式会社^D",
    "PV1|0001|I|32^302^1^^^N||||220^医師^一郎^^^^^^^L^^^^^I",
    "DB1|1|PT||Y",
    "OBX|1|NM|9N001000000000001^身長^JC10||167.8|cm^cm^ISO+|||||F",
    "OBX|2|NM|9N006000000000001^体重^JC10||63.5|kg^kg^ISO+|||||F",
    "OBX|3|CWE|5H010000009199911^血液型-ABO式^JC10||A^A^JSHR002||||||F",
    "AL1|1|DA^薬剤アレルギー^HL70127|1^ペニシリン^99XYZ",
    "IN1|1|67^国民健康保険退職者^JHSD0001|67999991|||||||||20091201|||||SEL^本人^HL70063",
]
ADT00_NAME = "9999013_-_ADT-00_999999999999999_20111220224447339_-_1"

ORC = "ORC|NW|000000011000185||{n}|||||20110701103045|058^入力者^花子^^^^^^^L^^^^^I||110^医師^一郎^^^^^^^L^^^^^I|10^^^^^C||||01^内科^99XY1|VMDOCX01^^99XY2|||登呂病院|^^^^422-8033^JPN^^静岡県静岡市駿河区登呂3-1-1|^^^^^^^^^^^054-284-9122||||||O^外来患者オーダ^HL70482"
OMP01 = [
    MSH.format(dt="20110701224603.984", type="RDE^O11^RDE_O11", ctl="20110701000001"),
    "PID|0001||9999013^^^^PI||患者^太郎^^^^^L^I~カンジャ^タロウ^^^^^L^P||19480405|M|||^^^^422-8033^JPN^H^静岡県静岡市登呂１−３−５||^PRN^PH^^^^^^^^^054-000-0000|^WPN^PH^^^^^^^^^054-999-2455|||||||||||||||||||20110601121551",
    "PV1|0001|O|01^^^^^C||||110^医師^一郎^^^^^^^L^^^^^I|||01",
    ORC.format(n=1),
    "RXE||108665201^ダーゼン錠（５mg)^HOT9|1||TAB^錠^MR9P|||||15|TAB^錠^MR9P||||2011070112345||||3^TAB&錠&MR9P||OHP^外来処方^MR9P~OHI^院内処方^MR9P",
    "TQ1|1||1013044400000000&内服・経口・１日３回朝昼夕食後&JAMISDP01|||5^d|2011070100",
    "RXR|PO^口^HL70162",
    ORC.format(n=1),
    "RXE||110626901^パンスポリンＴ錠（１００mg)^HOT9|2||TAB^錠^MR9P|||||30|TAB^錠^MR9P||||||||6^TAB&錠&MR9P||OHP^外来処方^MR9P~OHI^院内処方^MR9P",
    "TQ1|1||1013044400000000&内服・経口・１日３回朝昼夕食後&JAMISDP01|||5^d|2011070100",
    "RXR|PO^口^HL70162",
    ORC.format(n=2),
    "RXE||100607002^アレピアチン１０倍散^HOT9|50||MG^ミリグラム^MR9P|PWD^散剤^MR9P||||1400|MG^ミリグラム^MR9P||||2011070112345||||100^MG&ミリグラム&MR9P||OHP^外来処方^MR9P~OHI^院内処方^MR9P",
    "TQ1|1||1012040400000000&内服・経口・１日２回朝夕食後&JAMISDP01|||14^d|2011070100",
    "RXR|PO^口^HL70162",
]
OMP01_NAME = "9999013_20110701_OMP-01_000000011000185_20110701224603984_01_1"

OML11 = [
    MSH.format(dt="20111220103059.0000", type="OUL^R22^OUL_R22", ctl="20111220131032"),
    "PID|0001||9999013^^^^PI||患者^太郎^^^^^L^I~カンジャ^タロウ^^^^^L^P||19700405|M|||^^^^422-8033^JPN^H^静岡県静岡市登呂１−３−５",
    "PV1|0001|O|01^^^^^C",
    "SPM|1|000000001219001||023^血清^JC10|||||||||||||201112191500",
    "OBR|1|000000011000354|000000001219001|E001^血液学的検査^99O03|||20111219|20111219||||||||607^医師一郎^^^^^^^^L^^^^^I||||||20111220103059",
    "ORC|SC|000000011000354|000000001219001||CM||||20111220103059|||607^医師一郎^^^^^^^^L^^^^^I|01^^^^^C||||01^内科^99XY1||||登呂病院||||||||O^外来患者オーダ^HL70482",
    "OBX|1|NM|3A016000002327102^A/G比^JC10||1.7||1.2-2.0||||F|||201112191500",
    "OBX|2|NM|3A010000002327101^総蛋白^JC10||7.2|g/dl^g/dl^99XYZ|6.70-8.3||||F|||201112191500",
    "OBX|3|NM|3A015000002327101^アルブミン^JC10||4.9|g/dl^g/dl^99XYZ|3.7-5.5||||F|||201112191500",
]
OML11_NAME = "9999013_20111219_OML-11_000000011000354_20111220103059000_01_1"


def jis(text):
    """ISO-2022-JP, strict JIS X 0208 (Python's codec maps U+2212 to 0x215D, U+301C to 0x2141)."""
    return text.encode("iso2022_jp")


def sjis(text):
    """CP932; its table has the full-width forms, so normalise the JIS/iconv ones first."""
    return text.replace("\u2212", "\uff0d").replace("\u301c", "\uff5e").encode("cp932")


def body(segments, enc=jis, term=b"\r"):
    return b"".join(enc(s) + term for s in segments)


def write(rel, data):
    path = os.path.join(HERE, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def replace(segments, index, old, new):
    out = list(segments)
    assert old in out[index], (old, out[index])
    out[index] = out[index].replace(old, new, 1)
    return out


def main():
    # --- valid (strict): ISO-2022-JP, CR-terminated, canonical MSH-18/MSH-20 -----------------
    write(f"valid/{ADT00_NAME}", body(ADT00))
    write(f"valid/{OMP01_NAME}", body(OMP01))
    write(f"valid/{OML11_NAME}", body(OML11))
    # 〜 (JIS 0x2141) and − (0x215D): decode to U+FF5E / U+FF0D in encoding_rs, must round-trip.
    write("valid/mapping-variants.hl7", body(replace(ADT00, 8, "A^A^JSHR002", "A^A〜B−C^JSHR002")))

    # --- valid in other charsets (no errors; warnings say SS-MIX2 wants ISO-2022-JP) ---------
    utf8 = replace(ADT00, 0, "~ISO IR87||ISO 2022-1994", "UNICODE UTF-8||")
    write("utf8/adt00-utf8.hl7", body(utf8, enc=lambda s: s.encode("utf-8")))
    write("utf8/adt00-wave-dash.hl7", body(replace(utf8, 8, "A^A^JSHR002", "A^A〜B^JSHR002"), enc=lambda s: s.encode("utf-8")))
    write("utf8/adt00-outside-x0208.hl7", body(replace(utf8, 2, "患者^太郎", "患者^𠮷郎"), enc=lambda s: s.encode("utf-8")))
    write("shift_jis/omp01-sjis.hl7", body(OMP01, enc=sjis))
    write("shift_jis/halfwidth-kana.hl7", body(replace(OMP01, 1, "カンジャ^タロウ", "ｶﾝｼﾞｬ^ﾀﾛｳ"), enc=sjis))
    # 0xF040 is the first CP932 user-defined (外字) cell, U+E000.
    pua = body(OMP01, enc=sjis).replace(sjis("患者^太郎"), sjis("患") + b"\xf0\x40" + sjis("^太郎"), 1)
    write("shift_jis/user-defined.hl7", pua)

    # --- lenient: as found in the wild (CR + 0x1C, spelling variants) -------------------------
    wild = replace(OMP01, 0, "~ISO IR87||ISO 2022-1994", "~ISOIR87||ISO2022-1994")
    write(f"lenient/{OMP01_NAME}", body(wild) + b"\x1c")
    write(f"lenient/{ADT00_NAME}", body(ADT00) + b"\x1c")
    # Only the trailing 0x1C: a warning in both modes (strict accepts it).
    write("lenient/trailing-fs.hl7", body(ADT00) + b"\x1c")

    # --- broken: one defect class per file ----------------------------------------------------
    base = body(ADT00)
    pid = base.index(b"PID|")
    name_at = base.index(jis("患者^太郎"))
    write("broken/escape-jis-x0201-kana.hl7", base.replace(jis("カンジャ"), b"\x1b(I6]<\x1b(B", 1))
    write("broken/escape-jis-roman.hl7", base.replace(b"SEND001", b"SEND\x1b(J001\x1b(B", 1))
    write("broken/escape-jis-1978.hl7", base.replace(jis("患者"), b"\x1b$@45<T\x1b(B", 1))
    write("broken/escape-redundant.hl7", base.replace(b"DB1|1|PT", b"DB1|1|\x1b(BPT", 1))
    write("broken/eight-bit-sjis-in-iso2022jp.hl7", base.replace(jis("患者"), sjis("患者"), 1))
    # NK1 ends inside a JIS X 0208 run: the ESC ( B before the CR is missing.
    write("broken/unterminated-jis-run.hl7", base.replace(jis("鹿ノ門商事株式会社^D") + b"\r", jis("鹿ノ門商事株式会社")[:-3] + b"\r", 1))
    write("broken/lf-separators.hl7", body(ADT00, term=b"\n"))
    write("broken/crlf-separators.hl7", body(ADT00, term=b"\r\n"))
    write("broken/missing-final-cr.hl7", base[:-1])
    write("broken/empty-segment.hl7", base.replace(b"\rPV1|", b"\r\rPV1|", 1))
    write("broken/control-tab.hl7", base.replace(b"SEND001", b"SEND\t001", 1))
    write("broken/not-hl7.hl7", b"FHS|^~\\&|x\r")
    write("broken/delimiters.hl7", b"MSH|^~|HIS\r")
    write("broken/charset-unknown.hl7", body(replace(ADT00, 0, "~ISO IR87|", "~ISO IR14|")))
    write("broken/charset-spelling-msh18.hl7", body(replace(ADT00, 0, "~ISO IR87|", "~ISOIR87|")))
    write("broken/charset-spelling-msh20.hl7", body(replace(ADT00, 0, "ISO 2022-1994", "ISO2022-1994")))
    write("broken/charset-undeclared.hl7", body(replace(ADT00, 0, "~ISO IR87||ISO 2022-1994", "||")))
    write("broken/utf8-invalid.hl7", body(utf8, enc=lambda s: s.encode("utf-8")).replace("太郎".encode(), b"\xe5\xa4", 1))
    write("broken/msh-version.hl7", body(replace(ADT00, 0, "|P|2.5|", "|P|2.4|")))
    write("broken/msh-required.hl7", body(replace(ADT00, 0, "|20111220000001|", "||")))
    write("broken/msh-type.hl7", body(replace(ADT00, 0, "ADT^A08^ADT_A01", "ADT^A08")))
    write("broken/msh-datetime.hl7", body(replace(ADT00, 0, "20111220224447.3399", "2011-12-20")))
    write("broken/segment-order.hl7", body([ADT00[0], ADT00[2], ADT00[1]] + ADT00[3:]))
    write("broken/segment-name.hl7", body(replace(ADT00, 5, "DB1|", "db1|")))
    write("broken/escape-sequence.hl7", body(replace(ADT00, 5, "DB1|1|PT", "DB1|1|P\\Q\\T")))
    write("broken/field-required.hl7", body(replace(ADT00, 2, "患者^太郎^^^^^L^I~カンジャ^タロウ^^^^^L^P", "")))
    write("broken/message-type.hl7", body(replace(ADT00, 0, "ADT^A08^ADT_A01", "ADT^A31^ADT_A05")))
    # NEC row 13 as encoding_rs writes it from CP932 text: ㈱ = 0x2D6A ("-j"), ① = 0x2D21 ("-!").
    write("broken/cp932-nec-row13.hl7", base.replace(jis("鹿ノ門商事株式会社"), jis("鹿ノ門商事")[:-3] + b"-j-!\x1b(B", 1))
    # NEC-selected IBM extension: 髙 = 0x7C62 ("|b"), in place of 一 in PV1-7.
    write("broken/cp932-ibm-ext.hl7", base.replace(jis("一郎"), b"\x1b$B|bO:\x1b(B", 1))
    # Cross-checks against the file name (the test passes these names as CheckOptions.file_name).
    write("broken/patient-id.hl7", body(replace(OMP01, 1, "9999013^^^^PI", "1234567^^^^PI")))
    write("broken/care-date.hl7", body(replace(OMP01, 3, "20110701103045", "20110630103045")))

    # --- PDF, text, DICOM ---------------------------------------------------------------------
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    write("pdf/valid.pdf", pdf)
    write("pdf/truncated.pdf", pdf[:40])
    write("pdf/encrypted.pdf", pdf.replace(b"/Root 1 0 R", b"/Root 1 0 R /Encrypt 2 0 R"))
    write("pdf/not-a-pdf.pdf", b"PK\x03\x04 this is a zip file")
    write("text/valid-utf8.txt", "紹介状\n患者 太郎 様\n".encode())
    write("text/bom-utf8.txt", b"\xef\xbb\xbf" + "紹介状\n".encode())
    write("text/nul.txt", b"abc\x00def\n")
    write("text/invalid-utf8.txt", b"line 1\nline \xff2\n")
    write("text/empty.txt", b"")
    write("text/bom-only.txt", b"\xef\xbb\xbf")
    write("dicom/preamble.dcm", b"\x00" * 128 + b"DICM\x02\x00\x00\x00UL\x04\x00")

    # --- NSIPS (FICTIONAL envelope, see ../../profiles/nsips-fictional-sample.toml) -----------
    rows = [
        "NSIPS,9.99-FICTIONAL,20240401",
        "1,0001234,患者　太郎,カンジャ　タロウ,19700101,1",
        "5,20240401,01",
        "201,1,620000001,架空錠１０ｍｇ,3,錠",
        "301,1,1日3回毎食後,7",
        "END,4",
    ]
    crlf = "".join(r + "\r\n" for r in rows)
    write("nsips/valid.csv", sjis(crlf))
    write("nsips/lf-endings.csv", sjis(crlf.replace("\r\n", "\n")))
    write("nsips/bad-count.csv", sjis(crlf.replace("END,4", "END,7")))
    write("nsips/unknown-record.csv", sjis(crlf.replace("301,1,", "399,1,")))
    write("nsips/bad-version.csv", sjis(crlf.replace("9.99-FICTIONAL", "1.07")))
    write("nsips/utf8.csv", crlf.encode("utf-8"))
    write("nsips/bad-date.csv", sjis(crlf.replace("5,20240401,01", "5,20241301,01")))

    print("PID segment at byte", pid, "- PID-5 kanji at byte", name_at)


if __name__ == "__main__":
    main()
