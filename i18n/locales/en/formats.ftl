# idlink-formats findings: the words for each finding's message id and arguments (the validator
# carries only code, id and arguments). Arguments named `found`, `value`, `declared` ... hold the
# value as the finding quotes it ("ABC", control characters escaped). Finding codes
# (HL7-CHARSET-8BIT) are never translated.

## The human report (compiler style)

report-severity = { $severity ->
    [error] error
   *[warning] warning
 }
report-hint = hint: { $hint }
report-at-byte = {" "}(byte { $offset })
report-ok = { $path }: ok ({ $kind })
report-counts = { $path }: { $errors } error(s), { $warnings } warning(s)

## Every kind

findings-truncated = { $count } more { $code } finding(s) not listed
too-large = { $size } bytes is too large for { $kind ->
    [hl7] an HL7 message
   *[nsips] an NSIPS file
 }; the limit is { $limit } bytes
too-large-hint = check the document kind: one message or file is a few KiB
dicom-refused = this is a DICOM Part 10 file ("DICM" at byte 128); ID-Link's store client never accepts DICOM
dicom-refused-hint = send images through the facility's PACS / DICOM route, not the store client

## PDF

pdf-too-large = PDF is { $size } bytes; the limit is { $limit } bytes
pdf-too-large-hint = split the document or reduce image resolution
pdf-version = PDF header version is { $found }; expected 1.0 to 1.7
pdf-header-offset = %PDF- header starts at byte { $offset }, not at byte 0
pdf-no-header = no %PDF-1.x header in the first 1024 bytes: this is not a PDF
pdf-no-header-hint = check the document kind; renamed files are refused
pdf-eof = no %%EOF in the last { $window } bytes: the file looks truncated
pdf-eof-hint = re-export or re-copy the PDF
pdf-encrypted = PDF is encrypted (/Encrypt); the service can neither index nor display it
pdf-encrypted-hint = export the PDF without a password or usage restrictions

## Text

text-bom-ignored = UTF-8 byte-order mark at the start; it is ignored
text-bom-utf8 = UTF-8 byte-order mark, but the declared charset is { $charset }
text-bom-utf16 = UTF-16 byte-order mark, but the declared charset is { $charset }
text-bom-utf16-hint = save the text as UTF-8 (or declare its real charset)
text-empty = the text document is empty (0 bytes)
text-empty-after-bom = the text document has no text after its { $start }-byte byte-order mark
text-empty-hint = export the document again with its text; an empty document is never stored
text-nul = { $count } NUL byte(s), first at byte { $first }: this is binary data or UTF-16
text-malformed-hint = declare the text's real charset, or re-save it as UTF-8

## Character sets (text and HL7)

charset-malformed = { $len } byte(s) at offset { $offset } are not valid { $charset }
charset-unmappable = character { $ch } (U+{ $code }) at text offset { $offset } cannot be written as { $charset }
charset-unknown-name = unknown character set { $name }; expected ascii, iso-2022-jp, utf-8 or shift_jis
iso2022-eight-bit = byte 0x{ $byte } in 7-bit ISO-2022-JP data (Shift_JIS, EUC-JP or UTF-8 bytes in an ISO IR87 message?)
iso2022-forbidden-escape = { $sequence ->
    [kana] ESC ( I switches to JIS X 0201 half-width katakana
    [roman] ESC ( J switches to JIS X 0201 Roman
    [jis1978] ESC $ @ switches to JIS C 6226-1978
   *[other] escape sequence
 }; SS-MIX2 allows only ESC $ B and ESC ( B
iso2022-unknown-escape = ESC does not start ESC $ B or ESC ( B
iso2022-redundant-escape = escape sequence selects the character set already in use (or follows another escape directly)
iso2022-control-in-jis = control byte 0x{ $byte } inside a JIS X 0208 run (missing ESC ( B before it)
iso2022-odd-run = JIS X 0208 run has an odd number of bytes
iso2022-unterminated = data ends inside a JIS X 0208 run opened here (missing final ESC ( B)

## NSIPS

nsips-fictional = {" "}[profile { $profile } is FICTIONAL]
nsips-empty = empty file: an NSIPS file has at least a header record{ $label }
nsips-nul = { $count } NUL byte(s), first at byte { $first }: NSIPS files are Shift_JIS text{ $label }
nsips-nul-hint = this is binary data or UTF-16; export the file again as Shift_JIS CSV
nsips-decode = not valid Shift_JIS at byte { $offset }{ $label }
nsips-line-ending = { $count } line(s) end with a bare CR or LF, first at byte { $first }; records end with CRLF{ $label }
nsips-final-crlf = the last record is not terminated by CRLF{ $label }
nsips-record-number = line { $line } has no record number: every line is one record, its number first, then its fields separated by commas
nsips-record-number-hint = remove blank lines; literal commas in text are written full-width (，)
nsips-profile-missing = record layout not checked: no profile; write one from your copy of the NSIPS spec, see formats/profiles/nsips-fictional-sample.toml
nsips-profile-missing-hint = the envelope (Shift_JIS, CRLF, records) was checked; the record numbers, field counts and field formats were not
nsips-no-header = empty file: expected a { $header } header record{ $label }
nsips-header = first record is { $found }; expected the { $header } header record{ $label }
nsips-version = version { $found } is not one of { $versions }{ $label }
nsips-trailer-count = trailer record count is { $found }, but the file has { $expected }{ $label }
nsips-no-trailer = no { $trailer } trailer record with the record count at the end{ $label }
nsips-record-type = record number { $found } is not defined by the profile{ $label }
nsips-field-count = record { $record } ({ $name }) has { $found } fields; expected { $expected }{ $label }
nsips-comma-hint = literal commas inside text must be written full-width (，)
nsips-field-required = record { $record } field { $field } ({ $name }) is required but empty{ $label }
nsips-field-format = record { $record } field { $field } ({ $name }) is { $value }; expected { $format }{ $max_len ->
    [0] {""}
   *[other] {" "}of at most { $max_len } characters
 }{ $label }
nsips-occurrences = record { $record } ({ $name }) occurs { $count } time(s); the profile allows { $min }..{ $max }{ $label }

## HL7 parser (framing, character sets, escapes)

hl7-escape-unterminated = escape sequence starting { $found } is not terminated; a literal escape character must be written \E\
hl7-escape-unknown = unknown escape sequence { $found }; expected \F\ \S\ \T\ \R\ \E\, \Xhh..\, \Zxx..\, \H\, \N\ or a formatting command
hl7-not-hl7 = expected the message to start with "MSH", found { $found }
hl7-not-hl7-hint = check that the file is an HL7 v2 message and not another document kind
hl7-delimiters = MSH-1/MSH-2 delimiters at byte { $offset }: { $detail }
hl7-delimiters-short = MSH ends before MSH-1
hl7-delimiters-msh1 = MSH-1 { $found } is not a printable punctuation character
hl7-delimiters-msh2 = MSH-2 must be four distinct punctuation characters (usually ^~\&), found { $found }
hl7-charset-unknown = MSH-18 { $value } is not a supported character set (expected "~ISO IR87", "UNICODE UTF-8" or empty)
hl7-charset-spelling = MSH-{ $field } is { $found }; the HL7 table spelling is { $expected }
hl7-charset-spelling-hint = write MSH-18 as "~ISO IR87" and MSH-20 as "ISO 2022-1994" (with the spaces)
hl7-charset-scheme = MSH-20 is { $found }; JAHIS messages use "ISO 2022-1994" (or leave it empty)
hl7-charset-undeclared-escape = ISO-2022 escape sequence (ESC) at offset { $offset }, but MSH-18 declares { $declared } (ASCII)
hl7-charset-undeclared = byte 0x{ $byte } is not ASCII at offset { $offset }, but MSH-18 declares { $declared } (ASCII)
hl7-undeclared-escape-hint = the message is ISO-2022-JP: declare it with MSH-18 "~ISO IR87" and MSH-20 "ISO 2022-1994"
hl7-eight-bit-hint = the file is probably Shift_JIS or UTF-8: re-export it as ISO-2022-JP, or declare the charset (MSH-18) or pass an explicit override
hl7-forbidden-escape-hint = convert half-width kana to full-width and use only JIS X 0208 (ESC $ B) and ASCII (ESC ( B)
hl7-charset-override = decoded as { $used } by explicit override, but MSH-18 declares { $declared }
hl7-frame-lf = segments are terminated by { $what } ({ $count } time(s), first at byte { $offset }); HL7 uses CR only
hl7-frame-lf-hint = write segments terminated by CR (0x0D) only
hl7-frame-mllp = { $which ->
    [start] MLLP start byte 0x0B
   *[end] MLLP end byte 0x1C
 } at byte { $offset }: MLLP framing does not belong in a stored file
hl7-mllp-hint = strip MLLP framing (0x0B, 0x1C) before storing or uploading
hl7-mllp-end-hint = accepted (the SS-MIX2 sample files end so), but a stored file should end with the last segment's CR: drop the trailing 0x1C when writing the file
hl7-frame-final-cr = the last segment is not terminated by CR (byte { $offset })
hl7-frame-final-cr-hint = end the last segment with CR (0x0D)
hl7-frame-empty-segment = empty segment after segment { $after } (byte { $offset })
hl7-frame-control = control character U+{ $code } in { $segment } segment
hl7-frame-control-bom = control character U+{ $code } in front of the message (UTF-8 byte-order mark)
hl7-bom-hint = save the file without a byte-order mark: an HL7 message starts with the bytes "MSH"
hl7-segment-name = segment { $index } is named { $found }; expected three upper-case letters or digits
hl7-escape-hint = escape delimiters in data as \F\ \S\ \T\ \R\ \E\

## SS-MIX2 file names and data kinds

ssmix2-name-field-count = expected 7 fields separated by '_' (PID_date_kind_orderNo_timestamp_dept_flag), found { $found }
ssmix2-name-patient-id = patient ID { $found } must be 6 to 15 ASCII letters or digits
ssmix2-name-care-date = care date { $found } must be a valid YYYYMMDD date or '-'
ssmix2-name-data-kind = unknown data kind { $found } (expected one of ADT-00 … OMG-13, OMD)
ssmix2-name-order-number = order number { $found } must be 1 to 22 ASCII letters or digits
ssmix2-name-timestamp = timestamp { $found } must be 17 digits YYYYMMDDHHMMSSFFF
ssmix2-name-department = department code { $found } must be 1 to 10 ASCII letters or digits, or '-'
ssmix2-name-condition = condition flag { $found } must be 0 (deleted), 1 (valid) or 2 (superseded)
# The meaning of a data kind (データ種別); the English is `DataKind::meaning` (a test keeps them equal).
ssmix2-kind = { $kind ->
    [ADT-00] patient demographics update / delete
    [ADT-01] attending physician change / cancel
    [ADT-12] outpatient registration
    [ADT-21] admission planned / cancel
    [ADT-22] admission / cancel
    [ADT-31] leave (外出泊) / cancel
    [ADT-32] return from leave / cancel
    [ADT-41] transfer planned / cancel
    [ADT-42] transfer / cancel
    [ADT-51] discharge planned / cancel
    [ADT-52] discharge / cancel
    [ADT-61] allergy register / update
    [PPR-01] disease (history) register / update
    [OMD] diet order
    [OMP-01] prescription order
    [OMP-11] prescription administration
    [OMP-02] injection order
    [OMP-12] injection administration
    [OML-01] specimen lab order
    [OML-11] specimen lab result
    [OMG-01] radiology order
    [OMG-11] radiology performed
    [OMG-02] endoscopy order
    [OMG-12] endoscopy performed
    [OMG-03] physiological test order
   *[OMG-13] physiological test result
 }
# A list of alternatives: `list-or` nests (head may itself be a list).
list-one = { $item }
list-or = {" or "}
hl7-end-of-message = end of message
hl7-any-segment = any segment

## HL7 MSH

hl7-msh-required = { $field ->
    [7] MSH-7 (date/time of message)
    [9] MSH-9 (message type)
    [10] MSH-10 (message control ID)
    [11] MSH-11 (processing ID)
   *[12] MSH-12 (version ID)
 } is required but empty
hl7-msh18-required = MSH-18 (character set) is required by SS-MIX2 but empty
hl7-msh18-required-hint = write "~ISO IR87" for ISO-2022-JP messages
hl7-msh-datetime = MSH-7 { $found } is not an HL7 TS (YYYYMMDDHHMMSS[.SSSS][+ZZZZ])
hl7-msh-version = MSH-12 is { $found }; JAHIS / SS-MIX2 messages are HL7 "2.5"
hl7-msh-version-hint = generate the message as HL7 v2.5
hl7-msh10-length = MSH-10 is { $count } characters; HL7 v2.5 allows 20
hl7-msh9-shape = MSH-9 { $found } must be type^trigger^structure
hl7-msh9-no-structure = MSH-9 { $found } has no message structure (third component)
hl7-msh9-write-as = write MSH-9 as { $msh9 }
hl7-msh9-structure = MSH-9.3 message structure is { $found }; HL7 table 0354 gives { $expected } for { $message_type }

## HL7 message structure, fields and data types

hl7-segment-site-defined = site-defined segment { $segment } is not part of the SS-MIX2 grammar for { $message_type }; ignored in lenient mode, refused in strict mode
hl7-segment-missing = { $missing } is required after { $previous } in { $message_type }; it is missing (the next segment is { $next })
hl7-segment-missing-at-end = { $missing } is required after { $previous } in { $message_type }; it is missing (the message ends there)
hl7-segment-missing-hint = write the { $missing } segment after { $previous }, as the { $message_type } message structure requires
hl7-segment-order = segment { $found } is not allowed here in { $message_type }; expected { $expected }
hl7-segment-order-at-end = { $message_type } ends after { $last }; expected { $expected }
hl7-pid-missing = PID is required by SS-MIX2 in { $message_type }; it is missing (PID-3 is the patient the file is stored under)
hl7-pid-missing-hint = write a PID segment with the patient ID in PID-3 after MSH
hl7-field-required = { $segment }-{ $field } is required by SS-MIX2 for { $kinds } but empty
hl7-field-required-every-kind = { $segment }-{ $field } is required by SS-MIX2 for every data kind but empty
hl7-care-date-format = { $field } { $found } does not start with a valid YYYYMMDD date (it is the care date)
hl7-data-type = { $data_type ->
    [DT] DT (YYYY[MM[DD]])
    [TS] TS/DTM (YYYY[MM[DD[HH[MM[SS[.SSSS]]]]]][+ZZZZ])
   *[NM] NM (a number such as -1.5)
 }
hl7-field-datatype = { $segment }-{ $field } { $found } is not a valid { $data_type }
hl7-field-datatype-obx = { $segment }-{ $field } { $found } is not a valid { $data_type } (OBX-2 declares the value type { $value_type })
hl7-number-hint = send the number alone (units go in OBX-6, flags in OBX-8), or declare another value type in OBX-2
hl7-date-hint = write dates as YYYYMMDD[HHMM[SS]] with a real month (01-12) and day

## SS-MIX2 cross-checks

ssmix2-message-type = { $message_type } is not the message type of any SS-MIX2 standard-storage data kind
ssmix2-file-name = file name { $name }: { $error }
ssmix2-file-name-hint = name standard-storage files PID_date_kind_orderNo_YYYYMMDDHHMMSSFFF_dept_flag
ssmix2-kind-mismatch = { $source ->
    [metadata] declared data kind
   *[file-name] file name's data kind
 } { $kind } ({ $meaning }) is stored from { $expected }, but MSH-9 is { $message_type }
ssmix2-kind-differs = declared data kind { $declared } differs from the file name's data kind { $file }
ssmix2-patient-id-length = PID-3 patient ID { $found } has { $count } characters; SS-MIX2 storage allows at most { $max } (file name, storage path, index)
ssmix2-patient-id-length-hint = send the facility's patient ID of at most { $max } characters in PID-3.1
ssmix2-patient-id = PID-3 patient ID { $found } differs from the file name's { $file }
ssmix2-patient-id-hint = the file name, storage path and PID-3 must name the same patient
ssmix2-order-number = ORC-2 order number { $found } differs from the file name's { $file }
ssmix2-order-number-hint = updates and deletions are keyed on the order number: name the file with ORC-2 (zero-padded to 15 digits)
ssmix2-order-number-digits = order number { $found } is not 15 digits; SS-MIX2 writers zero-pad ORC-2 to 15 digits
ssmix2-charset = message is { $charset }; SS-MIX2 standard storage is ISO-2022-JP (MSH-18 "~ISO IR87")
ssmix2-care-date-none = { $kind } files have no care date (date folder "-"), but the file name has { $date }
ssmix2-care-date-dash = { $kind } files take their care date from { $field }, but the file name has "-"
ssmix2-care-date-empty = { $field } is empty, so the file name's care date { $date } cannot be verified ({ $kind } takes its care date from { $field })
ssmix2-care-date-empty-hint = fill { $field } with the care date the file is stored under
ssmix2-care-date = { $field } care date { $found } differs from the file name's { $date }
ssmix2-care-date-hint = the date folder and the file name's second field must equal the data kind's date field
ssmix2-care-date-no-segment = { $kind } takes its care date from { $field }, but the message has no { $segment } segment

## Strict JIS X 0208

jis-mapping-variant = { $ch } U+{ $code } is JIS X 0208 only under the JIS/iconv mapping; CP932/WHATWG converters use U+{ $whatwg_code } { $whatwg }
jis-mapping-variant-hint = normalise to the form your ISO-2022-JP converter round-trips
jis-cp932 = { $ch } (U+{ $code }) is a Windows (CP932) vendor character outside JIS X 0208
jis-cp932-hint = replace it (for example ① → (1), ㈱ → (株), 髙 → 高)
jis-halfwidth-kana = { $ch } (U+{ $code }) is half-width katakana (JIS X 0201), which SS-MIX2 forbids
jis-halfwidth-kana-hint = convert half-width katakana to full-width
jis-user-defined = { $ch } (U+{ $code }) is a user-defined (外字) character
jis-user-defined-hint = replace user-defined characters (SS-MIX2 practice: ■)
jis-outside-x0208 = { $ch } (U+{ $code }) is outside JIS X 0208
jis-outside-x0208-hint = use only ASCII and JIS X 0208 characters
