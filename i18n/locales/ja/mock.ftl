# idlink-mock: command-line output and the problem documents' detail texts.

## 問題文書の `detail`。`type`、`code`、ヘッダー名、ID、値は両言語で同じです。
detail-facility-mismatch = IDLink-Facility は { $declared } ですが、転送用アカウント { $account } の施設は { $facility } です
detail-unknown-destination = アプライアンス { $appliance } はサービスセンターに登録されていません。登録済みの送信先：{ $known }
detail-consent-missing = 施設 { $facility } の患者ID { $patient } には ID-Link への保存の同意記録がありません。先に同意を登録するか、地域共有のアプライアンスに送ってください
detail-upload-in-progress = 冪等キー { $key } のアップロードはまだ処理中です。処理が終わってから再試行してください
detail-digest-mismatch = Content-Digest の sha-256 は { $declared } ですが、受信した { $size } バイトのハッシュは { $actual } です。何も保存していません
detail-idempotency-key-reused = 冪等キー { $key } は別の内容のアップロード（受付番号 { $receipt }）ですでに使われています。新しい文書には新しい冪等キーを使ってください
detail-duplicate = 同じバイト列が、患者ID { $patient }、冪等キー { $key }（受付番号 { $receipt }）ですでに保存されています。この文書は送信済みとして扱ってください
detail-too-large = 文書が上限の { $limit } バイトを超えています（{ $size } バイト以上）。何も保存していません
detail-dicom-body = 本文は DICOM ファイル（プリアンブルと DICM マジック）です。サービスセンターは DICOM を受け付けません。レポートは PDF で送ってください
detail-dicom-media-type = DICOM（application/dicom）はサービスセンターでは受け付けません。レポートは PDF で送ってください
detail-validation-failed = { $kind } 文書にエラーが { $errors } 件あります{ $first }。何も保存していません
detail-validation-first = （最初のエラー：{ $location } の { $code }：{ $message }）
detail-no-msh = HL7 メッセージに読み取れる MSH セグメントがありません。何も保存していません
detail-patient-mismatch = IDLink-Patient-Id は { $declared } ですが、メッセージの PID-3 は { $found } です。メッセージは自身の患者IDで送ってください
detail-pid-missing = なし
detail-data-kind-mismatch = IDLink-Data-Kind { $declared } は MSH-9 { $message_type } に合いません（期待値：{ $expected }）。何も保存していません
detail-data-kind-unknown = IDLink-Data-Kind { $code } は SS-MIX2 のデータ種別ではありません（例：OMP-01、OML-11、ADT-00）
detail-header-missing = 必須のヘッダー { $header } がありません
detail-header-not-ascii = { $header } が表示可能な ASCII 文字ではありません
detail-header-repeated = { $header } が { $count } 回送られています。1 回だけ送ってください
detail-document-kind = IDLink-Document-Kind { $kind } は受け付けません。hl7、nsips、pdf、text のいずれかを使ってください
detail-content-type-mismatch = Content-Type { $media } は文書の種類 { $kind } に合いません。{ $expected } を送ってください
detail-data-kind-required = HL7 にはヘッダー IDLink-Data-Kind（OMP-01 などの SS-MIX2 データ種別）が必要です
detail-injected = { $title }（シナリオエンジンが挿入した応答です）。何も保存していません
detail-wrong-listener = 転送用アカウント { $account } は VPN アカウントです。オンデマンド VPN のリスナーに接続してください
detail-certificate-facility = クライアント証明書は{ $found }ですが、転送用アカウント { $account } の施設は { $facility } です。施設 { $facility } に発行されたクライアント証明書を使ってください
detail-certificate-facility-found = 施設 { $facility } のもの
detail-certificate-facility-none = 施設コードのないもの
detail-receipt-not-found = 施設 { $facility } に受付番号 { $receipt } はありません
detail-no-endpoint = そのエンドポイントはありません：{ $method } { $path }。プロトコル v1 にあるのは GET { $whoami }、POST { $documents }、GET { $receipts }/{"{"}receipt_id{"}"} です
detail-method-not-allowed = { $path } では { $method } は使えません。{ $allowed } を使ってください（docs/protocol.md を見てください）
detail-care-date-mismatch = IDLink-Care-Date は { $declared } ですが、{ $source }。{ $fix }。何も保存していません
detail-care-date-not-applicable = { $kind } の文書には診療日がなく、常に「-」で保存されます
detail-care-date-file-name = SS-MIX2 のファイル名の診療日は { $stored } です
detail-care-date-message = メッセージの診療日（{ $kind } の診療日の項目 { $fields }）は { $stored } です
detail-care-date-empty = メッセージの診療日の項目 { $fields } が空で、SS-MIX2 のファイル名も送られていないため、この文書には診療日がありません（「-」）
detail-care-date-fix-fill = { $fields } に診療日を入れるか、IDLink-Care-Date: - を送るか、このヘッダーを省いてください
detail-care-date-fix-send = IDLink-Care-Date: { $stored } を送るか、このヘッダーを省いてください
detail-order-number = ORC-2 { $order } は SS-MIX2 のオーダ番号に使えません（半角英数字 1～22 文字）。何も保存していません
detail-charset-not-taken = Content-Type { $media } には charset パラメーターを付けられません（付けられるのは hl7、nsips、text の文書だけです）。{ $expected } を送ってください
detail-charset-unknown = 文字コード { $charset } は受け付けません。iso-2022-jp、utf-8、shift_jis（shift-jis、sjis、windows-31j、cp932 とも書けます）のいずれかを使ってください
detail-data-kind-unsafe = IDLink-Data-Kind { $value } は A-Z a-z 0-9 . _ - の 1～64 文字にしてください（先頭に「.」は使えません）
detail-content-length = Content-Length が数値ではありません
detail-transfer-encoding = Transfer-Encoding { $codings } には対応していません。文書のバイト列は変えずに、Content-Length か Transfer-Encoding: chunked だけで送ってください
# ログインの拒否（問題コードごと）。
detail-auth-unauthenticated = 使える転送用アカウントの認証情報が送られていません。転送用アカウント票のアカウント ID とパスワードを HTTP Basic 認証で送ってください
detail-auth-bad-credentials = アカウント ID またはパスワードが違います。転送用アカウント票と照らし合わせてください
detail-auth-account-locked = ログインの失敗が多すぎたため、転送用アカウント { $account } はロックされています。ロックの解除をサービスセンターに依頼してください
detail-auth-password-expired = 転送用アカウント { $account } のパスワードの有効期限が切れています。サービスセンターで新しいパスワードを設定してください
detail-auth-account-disabled = 転送用アカウント { $account } は無効になっています。サービスセンターに連絡してください

## `idlink-mock serve` と `config` のコマンドライン出力（`--lang ja|en`、なければロケール）。
mock-ready-title = idlink-mock サービスセンター（試験専用）
mock-ready-mtls = {"  "}mTLS リスナー   ：{ $url }
mock-ready-vpn = {"  "}VPN リスナー    ：{ $url }
mock-ready-admin = {"  "}管理 API        ：{ $url }/  (Authorization: Bearer { $token })
mock-ready-data = {"  "}データ          ：{ $path }
mock-ready-pki = {"  "}PKI             ：{ $path }（{ $how }）
mock-ready-pki-generated = 今回生成
mock-ready-pki-reused = 既存のものを再利用
mock-ready-journal = {"  "}ジャーナル      ：{ $path }
mock-ready-kits = {"  "}クライアントキット（CA は ca.pem、クライアント証明書は client.chain.pem と client.key.pem または client.p12、パスワードは account.password）：
mock-ready-file = {"  "}準備完了ファイル：{ $path }
mock-ready-stop = 停止するには Ctrl-C を押してください。
mock-stopping = idlink-mock: 停止しています（処理中のやり取りの完了を待っています）
mock-stopped = idlink-mock: 停止しました
mock-config-nothing = 出力するものがありません。`idlink-mock config --demo` を使ってください

## `idlink-mock --help` です（キーは i18n の `clap_help` の命名どおり）。
mock-help-about = ID-Link サービスセンターの模擬サーバーです。相互 TLS、転送用アカウント、検証、SS-MIX2 ストレージへの永続保存、ジャーナルを備えます。
mock-help-lang = 表示するメッセージの言語です（`ja` または `en`）。指定がなければ LC_ALL / LC_MESSAGES / LANG（ja_JP.* なら日本語）、それもなければ英語です。`--print-json` と ready.json の内容はどちらの言語でも同じです
mock-help-serve = Ctrl-C または SIGTERM を受けるまでサービスセンターを動かします
mock-help-config = 設定を表示します
mock-help-config-demo = 組み込みのデモ設定を TOML で表示します
mock-help-serve-config = 設定ファイル（TOML）です。省略時は組み込みのデモ設定を使います
mock-help-serve-data = データディレクトリです。文書、トランザクションログ、ジャーナル、PKI、クライアント用キットを置きます
mock-help-serve-mtls-port = 相互 TLS で待ち受けるポートです（0 にすると空いているポートを使うので、実行どうしがぶつかりません）
mock-help-serve-vpn-port = VPN 経由で待ち受けるポートです（0 で空いているポート）
mock-help-serve-admin-port = 管理 API で待ち受けるポートです（0 で空いているポート）
mock-help-serve-print-json = 準備ができたら標準出力に JSON を 1 行だけ出力します（人が読む文は標準エラー出力に出します）
mock-help-serve-scenario = このシナリオ（`docs/scenarios.md`）を実行します。シナリオの初期設定が設定ファイルの転送用アカウントと同意情報を置き換え、その状態遷移でセンターの振る舞いが決まります
mock-help-serve-time-scale = シナリオのすべての時間に掛ける倍率です（1.0 で実時間）
