# storeclient：エラー、対処のヒント、実行結果の一覧、--help。結果の語（delivered, invalid,
# auth-failed, rejected, queued, not-attempted）、問題コード、スラッグ、終了コードは安定した
# コードなので、両言語で同じです。

## エラーの連鎖のつなぎ方：「何が失敗したか：理由：根本原因」
client-chain-separator = ：
client-warning = storeclient: 警告：{ $message }
client-error = storeclient: { $message }

## 設定ファイル
client-config-read = 設定ファイル { $path } を読み込めません（ひな形は `storeclient init` で作成できます）
client-config-parse = { $path }:{ $line }:{ $column }：設定ファイルの誤りです。{ $message }。キーの綴りと値の型を確認してください
client-config-invalid = { $path }：`{ $key }`：{ $message }
client-config-secret-file = { $path }：`{ $key }`：パスワードファイル { $file } を読み込めません
client-config-nsips-profile = { $path }：`upload.nsips_profile` の NSIPS プロファイル
client-config-secret-env = { $path }：`{ $key }`：環境変数 { $var } が設定されていません（または UTF-8 ではありません）
client-invalid-not-a-url = { $value } は URL ではありません（{ $error }）
client-invalid-not-https = { $value } は https:// で始めてください（サービスセンターは HTTPS でのみ接続を受け付けます）
client-invalid-facility = 施設コード { $value } は使えません。10 桁の数字（医療機関コード、例：0112345678）で指定してください
client-invalid-empty-account = 転送用アカウントの ID が空です。転送用アカウント票の ID を指定してください
client-invalid-pem-needs-files = mode "pem" には `cert` と `key` の両方が必要です
client-invalid-pkcs12-needs-file = mode "pkcs12" には `file` が必要です
client-invalid-destination = 送信先 { $value } は使えません。"storage" か "appliance:<ID>"（ID は英数字と - _ . で 64 文字まで）を指定してください
client-invalid-concurrency = 1 から 64 までの数を指定してください
client-invalid-max-attempts = 1 以上の数を指定してください
client-invalid-jitter = 0.0 から 1.0 までの割合を指定してください
client-invalid-time-scale = 0 より大きい倍率を指定してください
client-invalid-seconds = 0 以上の秒数を指定してください
client-invalid-both-secrets = `{ $file_key }` と `{ $env_key }` はどちらか一方だけを設定してください
client-invalid-no-secret = パスワードが設定されていません。`{ $file_key }`（パスワードだけを書いたファイル）か `{ $env_key }`（環境変数の名前）を設定してください
client-invalid-empty-password-file = パスワードファイル { $file } が空です
client-permission-warning = { $what } { $file } をほかのユーザーも読めます（モード { $mode }）。`chmod 600 { $file }` を実行してください
client-secret-private-key = 秘密鍵
client-secret-pkcs12-file = PKCS#12 ファイル
client-secret-password-file = パスワードファイル
client-log-folder-warning = ログフォルダー { $dir } を作成できません（{ $error }）。ログは標準エラー出力にだけ書きます
client-runtime-error = 非同期ランタイムを起動できません（{ $error }）

## コマンドラインの解決
client-plan-nsips-profile = --nsips-profile の NSIPS プロファイル
client-plan-no-spool = スプールフォルダーが指定されていません。--spool DIR を指定するか、{ $path } に `spool.dir` を設定してください
client-plan-bad-seconds = { $flag }：0 より大きい秒数を指定してください

## 実行
client-run-exists = { $path } はすでにあります。上書きする場合は --force を指定してください
client-run-write = { $path } に書き込めません
client-init-wrote = { $path } を作成しました。転送用アカウント票の値を記入してから、`storeclient doctor` を実行してください
client-check-error = { $document }：エラー：{ $message }

## TLS クライアントとクライアント証明書
client-credentials = アカウント ID またはパスワードに、送信できない文字が含まれています
client-http = HTTP クライアントを作成できません
client-identity-ca-file = `service.ca` に指定した CA 証明書ファイル
client-identity-ca = CA 証明書ファイル { $path }：{ $message }。`service.ca` を確認してください
client-identity-ca-empty = 証明書が入っていません
client-identity-ca-unparsable = 読み取れる証明書がありません
client-identity-load = クライアント証明書
client-identity-rustls = クライアント証明書 { $path }：TLS ライブラリ（rustls）が受け付けませんでした

## スプールフォルダー
client-spool-io = スプール { $path }：{ $action }
client-spool-locked = スプール { $path } は別の storeclient が使用中です（ロックファイル { $path }/.lock）。1 つのスプールで送信するプロセスは 1 つだけにしてください
client-spool-bad-key = スプールのキーファイル { $path } が壊れています（{ $message }）。削除すると、文書は新しいキーで送信されます
client-trace = トレースファイル { $path }
client-access-log = アクセスログ { $path }

## 送信前チェックとメタデータ
client-preflight-read = { $path } を読み込めません
client-preflight-invalid = { $path } にエラーが { $count } 件あります。何も送信していません
client-preflight-metadata = { $path }
client-meta-missing = { $field }が分かりません。{ $how }
client-meta-invalid = { $field } { $value } は使えません。{ $expected }
client-meta-sidecar = サイドカー { $path }：{ $message }
client-meta-conflict = 指定された{ $field }（{ $given }）が文書の値（{ $found }）と違います
client-field-document-kind = 文書の種類
client-field-charset = 文字コード
client-field-data-kind = データ種別
client-field-ssmix2-data-kind = SS-MIX2 のデータ種別
client-field-patient-id = 患者ID
client-field-destination = 送信先
client-field-care-date = 診療日
client-how-document-kind = 内容から判別できません。--kind hl7|nsips|pdf|text を指定するか、サイドカーに `kind` を設定してください
client-how-patient-id = --patient ID を指定するか、サイドカー NAME.meta.toml に `patient` を設定してください
client-how-data-kind = このメッセージ型には複数のデータ種別がありえます。--data-kind（例：OMP-01）を指定するか、SS-MIX2 のファイル名にしてください
client-expected-document-kind = hl7、nsips、pdf、text のいずれかを指定してください
client-expected-charset-flag = iso-2022-jp、utf-8、shift_jis のいずれかを指定してください
client-expected-charset-header = iso-2022-jp、utf-8、shift_jis のいずれかを指定してください（shift-jis、sjis、windows-31j、cp932 も使えます）
client-expected-no-charset-for-pdf = PDF には文字コードを指定しないでください（PDF は自身で符号化を宣言します）
client-expected-data-kind = OMP-01 のような SS-MIX2 のデータ種別を指定してください
client-expected-patient-id = 1～15 文字の半角英数字で指定してください
client-expected-destination = storage または appliance:<ID> を指定してください
client-expected-care-date = YYYYMMDD 形式の日付（例：20261124）か、診療日がない場合は - を指定してください
client-found-care-date-file-name = { $date }、SS-MIX2 のファイル名から
client-found-care-date-message = { $date }、{ $fields } から
client-found-care-date-empty = -、{ $fields } が空
client-found-care-date-none = -、{ $kind } には診療日がありません

## 送信
client-upload-read = { $path } を読み込めません
client-upload-changed = { $path } が送信中に変更されました（{ $expected } バイトが、現在 { $found } バイト）。ファイルが完成してから、もう一度送信してください
client-upload-refused = { $path }：送信しませんでした。{ $reason }
client-refused-bad-header = ヘッダー { $name } の値に送信できない文字（ASCII 以外の文字または制御文字）が含まれています
client-upload-rejected = サービスセンターが受け付けませんでした：{ $title }（{ $code }、{ $status }）。詳細：{ $detail }
client-upload-unexpected = サービスセンターから想定外の応答がありました：HTTP { $status }：{ $body }
client-upload-tls-rejected = サーバーが TLS 接続を拒否しました（理由は示されていません）。クライアント証明書がこの施設に発行されたものか、有効期限切れや失効になっていないか、設定ファイルの `identity` がその証明書を指しているかを確認してください
client-upload-exhausted = { $attempts } 回試みましたが送信できませんでした。最後のエラー：{ $last }
client-transport-unreachable = サービスセンターに接続できません：{ $detail }
client-transport-timeout = 時間内に応答がありませんでした（タイムアウト）
client-transport-tls-alert = サーバーが TLS 接続を拒否しました（アラート { $alert }）。クライアント証明書を確認してください
client-transport-server-certificate = サーバー証明書を信頼できません（{ $detail }）。`service.ca` と `service.url` を確認してください
client-transport-tls = TLS 接続に失敗しました：{ $detail }
client-transport-closed = 応答の前に接続が切れました（{ $detail }）
client-transport-network = ネットワークエラー：{ $detail }

## 実行結果の一覧
client-not-attempted = 送信しませんでした。この実行の中で先に認証に失敗しています
client-delivery-stored = 保存されました
client-delivery-replayed = 保存済みです（受付票を再送しました）
client-delivery-duplicate = 以前に送信した文書と同じです
client-after-attempts = （試行 { $attempts } 回）
client-summary-count = { $result } { $count } 件
client-summary-count-separator = 、
client-summary-nothing = 対象の文書はありません
client-summary-total = 文書 { $total } 件：{ $counts }（終了コード { $code }）
client-failed-problem = 問題コード：{ $code }（{ $status }）、要件 { $requirement }
client-failed-request-id = サーバーのリクエスト ID：{ $id }（サービスセンターに問い合わせるときに伝えてください）

## --help
client-help-about = 診療文書（HL7 v2.5、NSIPS、PDF、テキスト）を ID-Link のサービスセンターへアップロードします
client-help-help = ヘルプを表示します
client-help-help-subcommand = このヘルプ、または指定したサブコマンドのヘルプを表示します
client-help-version = バージョンを表示します
client-help-config = 設定ファイル（既定：./storeclient.toml）
client-help-json = 実行結果を、人が読む一覧の代わりに JSON で標準出力に書きます
client-help-trace = HTTP の試行を 1 回ごとに JSON の 1 行として FILE に書きます（パスワードなどは伏せます）
client-help-lang = メッセージの言語：ja または en（既定：LC_ALL、LC_MESSAGES、LANG から。それ以外は en）
client-help-verbose = 標準エラー出力へのログを増やします（-v は info、-vv は debug）。RUST_LOG が優先します
client-help-init = コメント付きの設定ファイルのひな形を作成します
client-help-init-path = 作成する場所
client-help-init-force = 既存のファイルを上書きします
client-help-check = サービスセンターと同じ基準で、文書を送信せずに検証します
client-help-check-files = 検証する文書
client-help-check-nsips-profile = NSIPS ファイルの検証に使うレコード構成のプロファイル（TOML）（既定：設定ファイルに `upload.nsips_profile` があればそれ）
client-help-upload = 文書を検証して、すぐにアップロードします
client-help-upload-files = アップロードする文書
client-help-send = SPOOL/outbox にある文書をすべて 1 回アップロードして終了します
client-help-spool = スプールフォルダー（既定：設定ファイルの `spool.dir`）
client-help-watch = 止められるまで（Ctrl-C、SIGTERM）、SPOOL/outbox に置かれた文書をアップロードし続けます
client-help-poll-seconds = outbox/ を確認する間隔の秒数（既定：`spool.poll_seconds`）
client-help-exit-when-idle = outbox/ と work/ が空になったら終了します
client-help-max-runtime = この秒数が経ったら終了します（送信中の文書は送り終えてから）
client-help-doctor = 設定ファイル、クライアント証明書、接続を確認し、直すべき点を示します
client-help-patient = 患者ID（HL7 メッセージでは PID-3 にあります）
client-help-data-kind = HL7 の SS-MIX2 データ種別（例：OMP-01）、またはそれ以外の文書の拡張ストレージのデータ種別
client-help-care-date = 診療日（YYYYMMDD）
client-help-kind = 判別できない場合の文書の種類：hl7、nsips、pdf、text
client-help-destination = 送信先：storage または appliance:<ID>（既定：設定ファイルの値）
client-help-charset = 文字コードの指定：iso-2022-jp、utf-8、shift_jis
client-help-strictness = 送信前チェックの厳しさ（既定：設定ファイルの値、なければ strict）
client-help-exit-codes = 終了コード:
client-help-exit-0 = 成功：すべての文書を送信しました（重複や受付票の再送も送信済みとみなします）
client-help-exit-2 = 使い方または設定ファイルの誤り。何も送信していません
client-help-exit-3 = 送信前チェックで不合格（検証の指摘、メタデータの不足、読めないファイル、DICOM）
client-help-exit-4 = 認証または証明書の失敗（転送用アカウント、パスワード、クライアント証明書、TLS）
client-help-exit-5 = サービスセンターが受け付けませんでした（問題コードと詳細は実行結果にあります）
client-help-exit-6 = 一時的な失敗で再試行の上限に達しました。ファイルは残してあり、次回の実行で再送します
client-help-exit-mixed = 結果が混在する場合は、緊急度の高いものを返します。順序：4 > 5 > 6 > 3 > 0。

## スプールで行っていた操作（SpoolAction）
client-spool-action-create-folder = フォルダーを作成できません
client-spool-action-open-lock-file = ロックファイルを開けません
client-spool-action-lock = ロックできません
client-spool-action-remove-stale-key = 古いキーファイルを削除できません
client-spool-action-claim-sidecar = サイドカーを work/ へ移せません
client-spool-action-claim = 文書を work/ へ移せません
client-spool-action-read-key = キーファイルを読み込めません
client-spool-action-move-out-of-work = 文書を work/ から移せません
client-spool-action-move-sidecar = サイドカーを移せません
client-spool-action-remove-key = キーファイルを削除できません
client-spool-action-list = 一覧を読み込めません
client-spool-action-create = ファイルを作成できません
client-spool-action-write = 書き込めません
client-spool-action-fsync-folder = フォルダーをディスクに書き出せません（fsync）
client-spool-action-fsync = ディスクに書き出せません（fsync）
client-spool-action-rename-into-place = 書き込んだファイルを所定の名前にできません
client-refused-dicom = DICOM ファイルです。ID-Link は DICOM を受け付けません
client-summary-receipt = { $receipt }（{ $how }）

## コマンドラインの誤り
client-usage-unknown-argument = 不明なオプション '{ $arg }' が指定されました
client-usage-unknown-subcommand = 不明なサブコマンド '{ $subcommand }' です
client-usage-missing-argument = 必須の引数 { $arg } が指定されていません
client-usage-invalid-value = '{ $arg }' に '{ $value }' は指定できません
client-usage-valid-values = （指定できる値：{ $values }）
client-usage-see-help = 使い方は `storeclient --help` で確認できます（終了コード 2）
client-usage-suggested = 。'{ $suggested }' のことですか？

## ほかのライブラリの言葉のうち、storeclient が日本語で言い直すもの
client-toml-unknown-field = 不明なキー `{ $field }` です（このテーブルで使えるキー：{ $expected }）
client-toml-missing-field = 必須のキー `{ $field }` がありません
client-io-not-found = ファイルまたはフォルダーがありません（os error { $os }）
client-io-permission-denied = アクセス権がありません（os error { $os }）
client-io-already-exists = すでに存在します（os error { $os }）
client-io-is-a-directory = フォルダーです（os error { $os }）
client-io-not-a-directory = フォルダーではありません（os error { $os }）
client-io-storage-full = ディスクの空きがありません（os error { $os }）
client-io-read-only = 読み取り専用のファイルシステムです（os error { $os }）
