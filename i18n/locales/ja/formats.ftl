# idlink-formats の検証結果（finding）の文言。検証側はコード・メッセージID・引数だけを持ち、
# ここで日本語にします。`found` などの引数は値をそのまま引用した形（"ABC"）です。
# 検証結果のコード（HL7-CHARSET-8BIT など）は翻訳しません。

## コンパイラ形式の報告

report-severity = { $severity ->
    [error] エラー
   *[warning] 警告
 }
report-hint = 対処: { $hint }
report-at-byte = （バイト位置 { $offset }）
report-ok = { $path }: 問題ありません（{ $kind }）
report-counts = { $path }: エラー { $errors } 件、警告 { $warnings } 件

## すべての文書

findings-truncated = ほかにも { $code } が { $count } 件ありますが、表示を省略しました
too-large = { $size } バイトは{ $kind ->
    [hl7] HL7 メッセージ
   *[nsips] NSIPS ファイル
 }としては大きすぎます（上限は { $limit } バイトです）
too-large-hint = 文書の種類を確認してください。メッセージやファイル 1 件は数 KiB 程度です
dicom-refused = DICOM Part 10 のファイルです（128 バイト目に "DICM"）。ID-Link のストアクライアントは DICOM を受け付けません
dicom-refused-hint = 画像は施設の PACS / DICOM の経路で送ってください。ストアクライアントでは送れません

## PDF

pdf-too-large = PDF が { $size } バイトあります。上限は { $limit } バイトです
pdf-too-large-hint = 文書を分割するか、画像の解像度を下げてください
pdf-version = PDF ヘッダーのバージョンが { $found } です。1.0 ～ 1.7 である必要があります
pdf-header-offset = %PDF- ヘッダーが 0 バイト目ではなく { $offset } バイト目から始まっています
pdf-no-header = 先頭 1024 バイトに %PDF-1.x ヘッダーがありません。PDF ではありません
pdf-no-header-hint = 文書の種類を確認してください。拡張子だけを変えたファイルは受け付けません
pdf-eof = 末尾 { $window } バイトに %%EOF がありません。ファイルが途中で切れているようです
pdf-eof-hint = PDF をもう一度出力するか、コピーし直してください
pdf-encrypted = PDF が暗号化されています（/Encrypt）。サービスセンターで索引付けも表示もできません
pdf-encrypted-hint = パスワードや利用制限を付けずに PDF を出力してください

## テキスト

text-bom-ignored = 先頭に UTF-8 の BOM があります。BOM は無視します
text-bom-utf8 = UTF-8 の BOM がありますが、宣言された文字コードは { $charset } です
text-bom-utf16 = UTF-16 の BOM がありますが、宣言された文字コードは { $charset } です
text-bom-utf16-hint = テキストを UTF-8 で保存してください（または実際の文字コードを宣言してください）
text-empty = テキスト文書が空です（0 バイト）
text-empty-after-bom = テキスト文書には { $start } バイトの BOM のあとに本文がありません
text-empty-hint = 本文を含めて文書をもう一度出力してください。空の文書は保存されません
text-nul = NUL バイトが { $count } 個あります（最初はバイト位置 { $first }）。バイナリデータか UTF-16 です
text-malformed-hint = テキストの実際の文字コードを宣言するか、UTF-8 で保存し直してください

## 文字コード（テキストと HL7）

charset-malformed = バイト位置 { $offset } からの { $len } バイトは { $charset } として正しくありません
charset-unmappable = 文字 { $ch }（U+{ $code }、テキスト位置 { $offset }）は { $charset } で表せません
charset-unknown-name = 文字コード { $name } は扱えません。ascii、iso-2022-jp、utf-8、shift_jis のいずれかを指定してください
iso2022-eight-bit = 7 ビットの ISO-2022-JP データに 0x{ $byte } のバイトがあります（ISO IR87 のメッセージに Shift_JIS、EUC-JP または UTF-8 のバイトが混ざっていませんか）
iso2022-forbidden-escape = { $sequence ->
    [kana] ESC ( I は JIS X 0201 の半角カタカナへの切り替えです
    [roman] ESC ( J は JIS X 0201 ローマ字への切り替えです
    [jis1978] ESC $ @ は JIS C 6226-1978 への切り替えです
   *[other] このエスケープシーケンスは使えません
 }。SS-MIX2 で使えるのは ESC $ B と ESC ( B だけです
iso2022-unknown-escape = ESC のあとが ESC $ B でも ESC ( B でもありません
iso2022-redundant-escape = エスケープシーケンスが、使用中の文字集合をもう一度指定しています（または別のエスケープの直後にあります）
iso2022-control-in-jis = JIS X 0208 の区間に制御バイト 0x{ $byte } があります（その前の ESC ( B が抜けています）
iso2022-odd-run = JIS X 0208 の区間のバイト数が奇数です
iso2022-unterminated = ここで始まった JIS X 0208 の区間のままデータが終わっています（最後の ESC ( B が抜けています）

## NSIPS

nsips-fictional = {" "}[プロファイル { $profile } は架空（FICTIONAL）です]
nsips-empty = 空のファイルです。NSIPS ファイルには少なくともヘッダーレコードが必要です{ $label }
nsips-nul = NUL バイトが { $count } 個あります（最初はバイト位置 { $first }）。NSIPS ファイルは Shift_JIS のテキストです{ $label }
nsips-nul-hint = バイナリデータか UTF-16 です。Shift_JIS の CSV としてもう一度出力してください
nsips-decode = バイト位置 { $offset } が Shift_JIS として正しくありません{ $label }
nsips-line-ending = { $count } 行が CR または LF だけで終わっています（最初はバイト位置 { $first }）。レコードは CRLF で終える必要があります{ $label }
nsips-final-crlf = 最後のレコードが CRLF で終わっていません{ $label }
nsips-record-number = { $line } 行目にレコード番号がありません。1 行が 1 レコードで、先頭にレコード番号、続いてカンマ区切りのフィールドを書きます
nsips-record-number-hint = 空行を削除してください。テキスト中のカンマは全角（，）で書きます
nsips-profile-missing = プロファイルがないため、レコードレイアウトは確認していません。お手元の NSIPS 仕様書からプロファイルを作成してください（formats/profiles/nsips-fictional-sample.toml を参照）
nsips-profile-missing-hint = 外枠（Shift_JIS、CRLF、レコード）は確認しました。レコード番号、フィールド数、フィールドの形式は確認していません
nsips-no-header = 空のファイルです。{ $header } ヘッダーレコードが必要です{ $label }
nsips-header = 最初のレコードが { $found } です。{ $header } ヘッダーレコードである必要があります{ $label }
nsips-version = バージョン { $found } は { $versions } のいずれでもありません{ $label }
nsips-trailer-count = トレーラーレコードの件数は { $found } ですが、ファイルには { $expected } 件あります{ $label }
nsips-no-trailer = 末尾に、レコード件数を持つ { $trailer } トレーラーレコードがありません{ $label }
nsips-record-type = レコード番号 { $found } はプロファイルに定義されていません{ $label }
nsips-field-count = レコード { $record }（{ $name }）のフィールド数が { $found } です。{ $expected } である必要があります{ $label }
nsips-comma-hint = テキスト中のカンマは全角（，）で書いてください
nsips-field-required = レコード { $record } のフィールド { $field }（{ $name }）は必須ですが空です{ $label }
nsips-field-format = レコード { $record } のフィールド { $field }（{ $name }）が { $value } です。{ $format ->
    [Digits] 数字
    [Date] 日付（YYYYMMDD）
   *[other] テキスト
 }{ $max_len ->
    [0] {""}
   *[other] （{ $max_len } 文字以内）
 }である必要があります{ $label }
nsips-occurrences = レコード { $record }（{ $name }）が { $count } 回出現しています。プロファイルで許されるのは { $min }..{ $max } 回です{ $label }

## HL7 の読み取り（フレーム、文字コード、エスケープ）

hl7-escape-unterminated = { $found } から始まるエスケープシーケンスが閉じていません。エスケープ文字そのものは \E\ と書きます
hl7-escape-unknown = エスケープシーケンス { $found } は HL7 v2.5 にありません。\F\ \S\ \T\ \R\ \E\、\Xhh..\、\Zxx..\、\H\、\N\ または書式コマンドを使ってください
hl7-not-hl7 = メッセージが "MSH" で始まっていません（先頭は { $found }）
hl7-not-hl7-hint = ファイルが HL7 v2 メッセージであり、別の種類の文書でないことを確認してください
hl7-delimiters = バイト位置 { $offset } の MSH-1/MSH-2 の区切り文字：{ $detail }
hl7-delimiters-short = MSH-1 の前で MSH が終わっています
hl7-delimiters-msh1 = MSH-1 { $found } は表示可能な記号ではありません
hl7-delimiters-msh2 = MSH-2 は異なる 4 つの記号（通常は ^~\&）である必要がありますが、{ $found } です
hl7-charset-unknown = MSH-18 { $value } は対応していない文字コードです（"~ISO IR87"、"UNICODE UTF-8" または空にしてください）
hl7-charset-spelling = MSH-{ $field } が { $found } です。HL7 テーブルの表記は { $expected } です
hl7-charset-spelling-hint = MSH-18 は "~ISO IR87"、MSH-20 は "ISO 2022-1994" と（空白を含めて）書いてください
hl7-charset-scheme = MSH-20 が { $found } です。JAHIS のメッセージでは "ISO 2022-1994" を使います（または空にします）
hl7-charset-undeclared-escape = バイト位置 { $offset } に ISO-2022 のエスケープシーケンス（ESC）がありますが、MSH-18 は { $declared }（ASCII）を宣言しています
hl7-charset-undeclared = バイト位置 { $offset } の 0x{ $byte } は ASCII ではありませんが、MSH-18 は { $declared }（ASCII）を宣言しています
hl7-undeclared-escape-hint = このメッセージは ISO-2022-JP です。MSH-18 に "~ISO IR87"、MSH-20 に "ISO 2022-1994" を設定してください
hl7-eight-bit-hint = ファイルはおそらく Shift_JIS か UTF-8 です。ISO-2022-JP で出力し直すか、文字コードを宣言する（MSH-18）か、文字コードを明示的に指定してください
hl7-forbidden-escape-hint = 半角カナを全角に変換し、JIS X 0208（ESC $ B）と ASCII（ESC ( B）だけを使ってください
hl7-charset-override = 明示的な指定により { $used } として読みましたが、MSH-18 は { $declared } を宣言しています
hl7-frame-lf = セグメントが { $what } で区切られています（{ $count } 箇所、最初はバイト位置 { $offset }）。HL7 のセグメント区切りは CR だけです
hl7-frame-lf-hint = セグメントは CR（0x0D）だけで区切ってください
hl7-frame-mllp = バイト位置 { $offset } に{ $which ->
    [start] MLLP の開始バイト 0x0B
   *[end] MLLP の終了バイト 0x1C
 }があります。保存するファイルに MLLP のフレームは入れません
hl7-mllp-hint = 保存・アップロードの前に MLLP のフレーム（0x0B、0x1C）を取り除いてください
hl7-mllp-end-hint = 受け付けます（SS-MIX2 のサンプルファイルもこの形で終わっています）が、保存するファイルは最後のセグメントの CR で終えるべきです。ファイルを書き出すときに末尾の 0x1C を付けないでください
hl7-frame-final-cr = 最後のセグメントが CR で終わっていません（バイト位置 { $offset }）
hl7-frame-final-cr-hint = 最後のセグメントも CR（0x0D）で終えてください
hl7-frame-empty-segment = セグメント { $after } のあとに空のセグメントがあります（バイト位置 { $offset }）
hl7-frame-control = { $segment } セグメントに制御文字 U+{ $code } があります
hl7-frame-control-bom = メッセージの先頭に制御文字 U+{ $code }（UTF-8 の BOM）があります
hl7-bom-hint = BOM を付けずに保存してください。HL7 メッセージは "MSH" のバイトで始まります
hl7-segment-name = { $index } 番目のセグメント名が { $found } です。英大文字または数字 3 文字である必要があります
hl7-escape-hint = データ中の区切り文字は \F\ \S\ \T\ \R\ \E\ でエスケープしてください

## SS-MIX2 のファイル名とデータ種別

ssmix2-name-field-count = '_' で区切られた 7 つの項目（患者ID_診療日_データ種別_オーダ番号_発生日時_診療科_コンディションフラグ）が必要ですが、{ $found } 個です
ssmix2-name-patient-id = 患者ID { $found } は 6 ～ 15 文字の英数字である必要があります
ssmix2-name-care-date = 診療日 { $found } は正しい YYYYMMDD の日付か '-' である必要があります
ssmix2-name-data-kind = データ種別 { $found } は不明です（ADT-00 … OMG-13、OMD のいずれかです）
ssmix2-name-order-number = オーダ番号 { $found } は 1 ～ 22 文字の英数字である必要があります
ssmix2-name-timestamp = 発生日時 { $found } は 17 桁の数字（YYYYMMDDHHMMSSFFF）である必要があります
ssmix2-name-department = 診療科コード { $found } は 1 ～ 10 文字の英数字か '-' である必要があります
ssmix2-name-condition = コンディションフラグ { $found } は 0（削除）、1（有効）、2（更新により無効）のいずれかである必要があります
# データ種別の名称（SS-MIX2 標準化ストレージ仕様書の表記）。
ssmix2-kind = { $kind ->
    [ADT-00] 患者基本情報の更新／削除
    [ADT-01] 担当医の変更／取消
    [ADT-12] 外来診察の受付
    [ADT-21] 入院予定／取消
    [ADT-22] 入院実施／取消
    [ADT-31] 外出泊実施／取消
    [ADT-32] 外出泊帰院実施／取消
    [ADT-41] 転科・転棟（予定）／取消
    [ADT-42] 転科・転棟（実施）／取消
    [ADT-51] 退院予定／取消
    [ADT-52] 退院実施／取消
    [ADT-61] アレルギー情報の登録／更新
    [PPR-01] 病名（歴）情報の登録／更新
    [OMD] 食事オーダ
    [OMP-01] 処方オーダ
    [OMP-11] 処方実施通知
    [OMP-02] 注射オーダ
    [OMP-12] 注射実施通知
    [OML-01] 検体検査オーダ
    [OML-11] 検体検査結果通知
    [OMG-01] 放射線検査オーダ
    [OMG-11] 放射線検査の実施通知
    [OMG-02] 内視鏡検査オーダ
    [OMG-12] 内視鏡検査の実施通知
    [OMG-03] 生理検査オーダ
   *[OMG-13] 生理検査結果通知
 }
list-one = { $item }
list-or = {" または "}
hl7-end-of-message = メッセージの終わり
hl7-any-segment = 任意のセグメント

## HL7 の MSH

hl7-msh-required = { $field ->
    [7] MSH-7（メッセージ日時）
    [9] MSH-9（メッセージ型）
    [10] MSH-10（メッセージ制御ID）
    [11] MSH-11（処理ID）
   *[12] MSH-12（バージョンID）
 }は必須ですが空です
hl7-msh18-required = MSH-18（文字セット）は SS-MIX2 では必須ですが空です
hl7-msh18-required-hint = ISO-2022-JP のメッセージには "~ISO IR87" を設定してください
hl7-msh-datetime = MSH-7 { $found } は HL7 の TS 型（YYYYMMDDHHMMSS[.SSSS][+ZZZZ]）ではありません
hl7-msh-version = MSH-12 が { $found } です。JAHIS / SS-MIX2 のメッセージは HL7 "2.5" です
hl7-msh-version-hint = HL7 v2.5 のメッセージとして生成してください
hl7-msh10-length = MSH-10 が { $count } 文字です。HL7 v2.5 では 20 文字までです
hl7-msh9-shape = MSH-9 { $found } は 型^トリガー^構造 の形である必要があります
hl7-msh9-no-structure = MSH-9 { $found } にメッセージ構造（第 3 成分）がありません
hl7-msh9-write-as = MSH-9 は { $msh9 } と書いてください
hl7-msh9-structure = MSH-9.3 のメッセージ構造が { $found } です。HL7 テーブル 0354 では { $message_type } の構造は { $expected } です

## HL7 のメッセージ構造、フィールド、データ型

hl7-segment-site-defined = サイト定義セグメント { $segment } は { $message_type } の SS-MIX2 の構文にありません。緩和モードでは無視し、厳格モードでは受け付けません
hl7-segment-missing = { $message_type } では { $previous } のあとに { $missing } が必要ですが、ありません（次のセグメントは { $next } です）
hl7-segment-missing-at-end = { $message_type } では { $previous } のあとに { $missing } が必要ですが、ありません（メッセージはそこで終わっています）
hl7-segment-missing-hint = { $message_type } のメッセージ構造に従い、{ $previous } のあとに { $missing } セグメントを書いてください
hl7-segment-order = { $message_type } ではここに { $found } セグメントは置けません。ここに置けるのは { $expected } です
hl7-segment-order-at-end = { $message_type } が { $last } のあとで終わっています。続けて { $expected } が必要です
hl7-pid-missing = SS-MIX2 では { $message_type } に PID が必要ですが、ありません（PID-3 はファイルを保存する患者です）
hl7-pid-missing-hint = MSH のあとに、PID-3 に患者IDを入れた PID セグメントを書いてください
hl7-field-required = { $segment }-{ $field } は SS-MIX2 の { $kinds } で必須ですが空です
hl7-field-required-every-kind = { $segment }-{ $field } は SS-MIX2 のすべてのデータ種別で必須ですが空です
hl7-care-date-format = { $field } { $found } が正しい YYYYMMDD の日付で始まっていません（このフィールドは診療日です）
hl7-data-type = { $data_type ->
    [DT] DT 型（YYYY[MM[DD]]）
    [TS] TS/DTM 型（YYYY[MM[DD[HH[MM[SS[.SSSS]]]]]][+ZZZZ]）
   *[NM] NM 型（-1.5 のような数値）
 }
hl7-field-datatype = { $segment }-{ $field } { $found } は正しい { $data_type }ではありません
hl7-field-datatype-obx = { $segment }-{ $field } { $found } は正しい { $data_type }ではありません（OBX-2 で値型 { $value_type } が宣言されています）
hl7-number-hint = 数値だけを送ってください（単位は OBX-6、異常値フラグは OBX-8 へ）。または OBX-2 で別の値型を宣言してください
hl7-date-hint = 日付は YYYYMMDD[HHMM[SS]] の形で、実在する月（01 ～ 12）と日を書いてください

## SS-MIX2 の突き合わせ

ssmix2-message-type = { $message_type } は SS-MIX2 標準化ストレージのどのデータ種別のメッセージ型でもありません
ssmix2-file-name = ファイル名 { $name }：{ $error }
ssmix2-file-name-hint = 標準化ストレージのファイル名は 患者ID_診療日_データ種別_オーダ番号_YYYYMMDDHHMMSSFFF_診療科_コンディションフラグ の形にしてください
ssmix2-kind-mismatch = { $source ->
    [metadata] 宣言されたデータ種別
   *[file-name] ファイル名のデータ種別
 } { $kind }（{ $meaning }）は { $expected } から保存されるものですが、MSH-9 は { $message_type } です
ssmix2-kind-differs = 宣言されたデータ種別 { $declared } がファイル名のデータ種別 { $file } と異なります
ssmix2-patient-id-length = PID-3 の患者ID { $found } は { $count } 文字です。SS-MIX2 のストレージでは { $max } 文字までです（ファイル名、保存パス、インデックス）
ssmix2-patient-id-length-hint = PID-3.1 には { $max } 文字以内の施設の患者IDを送ってください
ssmix2-patient-id = PID-3 の患者ID { $found } がファイル名の { $file } と異なります
ssmix2-patient-id-hint = ファイル名、保存パス、PID-3 は同じ患者を指す必要があります
ssmix2-order-number = ORC-2 のオーダ番号 { $found } がファイル名の { $file } と異なります
ssmix2-order-number-hint = 更新と削除はオーダ番号で対応付けられます。ファイル名には ORC-2（15 桁にゼロ埋め）を使ってください
ssmix2-order-number-digits = オーダ番号 { $found } が 15 桁ではありません。SS-MIX2 では ORC-2 を 15 桁にゼロ埋めします
ssmix2-charset = メッセージの文字コードは { $charset } です。SS-MIX2 標準化ストレージは ISO-2022-JP（MSH-18 "~ISO IR87"）です
ssmix2-care-date-none = { $kind } のファイルには診療日がありません（日付フォルダは "-"）が、ファイル名には { $date } があります
ssmix2-care-date-dash = { $kind } のファイルは診療日を { $field } から取りますが、ファイル名は "-" です
ssmix2-care-date-empty = { $field } が空のため、ファイル名の診療日 { $date } を確認できません（{ $kind } は診療日を { $field } から取ります）
ssmix2-care-date-empty-hint = { $field } に、ファイルを保存する診療日を入れてください
ssmix2-care-date = { $field } の診療日 { $found } がファイル名の { $date } と異なります
ssmix2-care-date-hint = 日付フォルダとファイル名の第 2 項目は、データ種別の日付フィールドと同じである必要があります
ssmix2-care-date-no-segment = { $kind } は診療日を { $field } から取りますが、メッセージに { $segment } セグメントがありません

## JIS X 0208 の文字

jis-mapping-variant = { $ch } U+{ $code } は JIS/iconv の対応表でだけ JIS X 0208 になります。CP932/WHATWG の変換器は U+{ $whatwg_code } { $whatwg } を使います
jis-mapping-variant-hint = お使いの ISO-2022-JP 変換器で往復変換できる字形にそろえてください
jis-cp932 = { $ch }（U+{ $code }）は JIS X 0208 にない Windows（CP932）の機種依存文字です
jis-cp932-hint = 別の文字に置き換えてください（例：① → (1)、㈱ → (株)、髙 → 高）
jis-halfwidth-kana = { $ch }（U+{ $code }）は半角カタカナ（JIS X 0201）です。SS-MIX2 では使えません
jis-halfwidth-kana-hint = 半角カタカナを全角に変換してください
jis-user-defined = { $ch }（U+{ $code }）は外字です
jis-user-defined-hint = 外字を置き換えてください（SS-MIX2 の慣例では ■）
jis-outside-x0208 = { $ch }（U+{ $code }）は JIS X 0208 にない文字です
jis-outside-x0208-hint = ASCII と JIS X 0208 の文字だけを使ってください
