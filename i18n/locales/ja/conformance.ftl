# idlink-conformance：判定の説明（grade.rs）と、人が読むレポート（コンソール、HTML、JUnit）。
# チェック名、シナリオID、要件ID、問題コード、終了コードは訳しません。JSON と CTRF のレポートは英語のままです。

## クライアントコマンドの実行の終わり方
grade-run-killed-at-deadline = 期限の { $seconds } 秒で強制終了
grade-run-exit = 終了コード { $code }
grade-run-signal = シグナル { $signal } で終了
grade-run-unknown = 終了状態不明

## exit
grade-exit-description = コマンドの終了コード（{ $run } 回目の実行）
grade-exit-expected-zero = 終了コード 0（すべての文書を送信済み）
grade-exit-expected-nonzero = 0 以外の終了コード（アップロードは成功していない）
grade-exit-skip-folder = フォルダー監視モードでは試験ランナーが常駐プロセスを停止するため、終了コードでは判定できません
grade-exit-skip-no-run = { $run } 回目の実行は行われませんでした
grade-exit-fail-zero = コマンドが成功を報告しませんでした。マニフェストのすべての文書を送信し、終了コード 0 で終了する必要があります
grade-exit-fail-nonzero = アップロードが成功し得ないのに、コマンドは終了コード 0 で終了しました。アップローダーは失敗を成功として報告してはいけません

## stored
grade-stored-description-doc = 文書「{ $doc }」が、マニフェストのファイルとバイト単位で同一のまま 1 回だけ保存されること
grade-stored-description-all = すべての文書が、マニフェストのファイルとバイト単位で同一のまま 1 回だけ保存されること
grade-stored-expected-path = 文書ごとに保存が 1 件、保存先のパスに「{ $path }」を含む
grade-stored-expected = 文書ごとに保存が 1 件
grade-stored-reencoded = { $name }：保存されていません。アップロードは { $uploads } 件届きましたが、この文書の SHA-256 { $digest } を宣言したものはありません。送信前にバイト列が変わっています（文字コードを変換していませんか）
grade-stored-missing = { $name }：{ $attempts } 回試行しても保存されていません（最後の応答：{ $last }）
grade-stored-differs = { $name }：保存されたファイル { $path } がマニフェストのバイト列と異なります
grade-stored-wrong-path = { $name }：{ $path } に保存されましたが、このパスは「{ $want }」を含みません
grade-stored-many = { $name }：{ $n } 回保存されています
grade-stored-ok = バイト単位で同一のまま 1 回保存

## not-stored
grade-not-stored-description-doc = 文書「{ $doc }」が保存されないこと
grade-not-stored-description-all = 何も保存されないこと
grade-not-stored-expected = 保存なし
grade-not-stored-ok = 保存なし
grade-not-stored-actual = 保存あり：{ $paths }
grade-not-stored-fail = サービスセンターが保存してはいけない文書が保存されました

## no-duplicates
grade-no-duplicates-description = 同じバイト列が二重に保存されないこと
grade-no-duplicates-expected = 各文書の保存は 1 回まで
grade-no-duplicates-copies = 患者ID { $patient } の sha-256 { $sha256 }：{ $n } 件
grade-no-duplicates-ok = 文書 { $n } 件、重複なし
grade-no-duplicates-fail = 同じ文書が 2 回以上保存されました

## attempts
grade-attempts-between = アップロードの試行 { $min } ～ { $max } 回
grade-attempts-at-least = アップロードの試行 { $min } 回以上
grade-attempts-at-most = アップロードの試行 { $max } 回以下
grade-attempts-any = アップロードの試行回数は問わない
grade-attempts-description = 文書ごとのアップロードの試行回数
grade-attempts-description-doc = 文書ごとのアップロードの試行回数（{ $doc }）
grade-attempts-count = { $name }：{ $n } 回
grade-attempts-too-many = { $name }：{ $n } 回試行しており、上限の { $max } 回を超えています（最後の応答：{ $last }）。再試行しても解決しない拒否は再試行してはいけません。また、再試行の回数には上限が必要です
grade-attempts-too-few = { $name }：試行は { $n } 回で、{ $min } 回に足りません（最後の応答：{ $last }）。再試行できる失敗（接続断、5xx、429、503）は同じ冪等キーで再試行する必要があります

## 最後の試行への応答
grade-last-nothing = なし。この文書のアップロードは届いていません
grade-answer-none = 応答なし

## respects-retry-after
grade-retry-after-description = サービスセンターが送った Retry-After 以上待ってから再試行すること
grade-retry-after-expected = 再試行の間隔 ≥ Retry-After × 時間倍率 { $scale }
grade-retry-after-early = { $name }：Retry-After: { $value } は { $required } ミリ秒の待機を求めていましたが、{ $waited } ミリ秒後に再試行しました
grade-retry-after-skip = Retry-After 付きの応答のあとに再試行がありませんでした
grade-retry-after-ok = 再試行の待ち時間を { $n } 件確認し、すべて十分でした
grade-retry-after-fail = クライアントは指定された Retry-After が経過する前に再試行しました

## backoff
grade-backoff-description = Retry-After のない失敗のあとは、間隔を空けて再試行すること（バックオフ）
grade-backoff-expected = 待ち時間はいずれも { $ms } ミリ秒以上（時間倍率適用後）で、直前の待ち時間の半分より短くならない
grade-backoff-too-soon = { $name }：{ $waited } ミリ秒後に再試行しました（試行 { $from } → { $to }）
grade-backoff-shrank = { $name }：待ち時間が { $before } ミリ秒から { $waited } ミリ秒に短くなりました
grade-backoff-skip = Retry-After のない失敗のあとの再試行はありませんでした
grade-backoff-ok = 待ち時間を { $n } 件確認しました
grade-backoff-fail = クライアントは間隔を空けずに再試行しました（ジッター付きの指数バックオフが必要です）

## same-key
grade-same-key-description = 1 つの文書のすべての試行で同じ Idempotency-Key（冪等キー）を使うこと
grade-same-key-expected = 文書ごとに冪等キーは 1 つ
grade-same-key-different = { $name }：異なる冪等キーが { $n } 個
grade-same-key-skip = シナリオに文書がありません
grade-same-key-ok = 文書ごとに冪等キーは 1 つ
grade-same-key-fail = 再試行で新しい Idempotency-Key が使われました。応答が失われたあと、サービスセンターは再試行と新しい文書を区別できません

## refused-server-certificate
grade-refuse-cert-description = 信頼してはいけないサーバー証明書をクライアントが拒否し、何も送らないこと
grade-refuse-cert-expected = 不正な証明書でハンドシェイクが完了せず、リクエストも認証情報も送られない
grade-refuse-cert-no-connection = 接続はありませんでした
grade-refuse-cert-never-connected = クライアントが一度も接続しなかったため、証明書を拒否することを確認できません
grade-refuse-cert-ok = 接続 { $n } 件、すべてのハンドシェイクをクライアントが中断しました
grade-refuse-cert-accepted = ハンドシェイクが { $accepted } 件完了し、そのうえでリクエストが { $requests } 件送られました
grade-refuse-cert-fail = クライアントは拒否すべきサーバー証明書（自分の時計で有効期限切れまたは有効期間前、ホスト名違い、または不明な CA）を受け入れ、そのサーバーにリクエストを転送用アカウントのパスワードとともに送りました

## handshake-rejected
grade-handshake-description = サービスセンターがハンドシェイクでクライアント証明書を拒否すること（{ $text }）
grade-handshake-expected = 理由に「{ $text }」を含むハンドシェイクの拒否
grade-handshake-none = 拒否されたハンドシェイクはありません
grade-handshake-not-presented = クライアントは渡されたクライアント証明書を提示しませんでした（または一度も接続しませんでした）
grade-handshake-other = ハンドシェイクは別の理由で失敗しました

## no-unexpected
grade-unexpected-description = シナリオが想定しないリクエストがないこと
grade-unexpected-expected = 想定外のリクエストなし
grade-unexpected-none = なし
grade-unexpected-count = 想定外のリクエスト { $n } 件
grade-unexpected-fail = クライアントはシナリオの状態遷移が想定しないリクエストを送りました（余分なアップロード、または一連の手順が終わったあとのリクエスト）

## no-secrets
grade-secrets-description = コマンドの出力にパスワードや秘密鍵が含まれないこと
grade-secrets-expected = 標準出力・標準エラー出力に秘密情報なし
grade-secrets-pem = { $run } 回目の実行：PEM 形式の秘密鍵
grade-secrets-password = { $run } 回目の実行：パスワードまたは鍵の情報
grade-secrets-ok = 見つかりません
grade-secrets-fail = アップローダーが秘密情報を出力しました。ログは問い合わせのチケットや CI の成果物に残ります（このレポートでは出力を伏せ字にしています）

## answered
grade-answered-description = サービスセンターが { $want } を応答すること
grade-answered-description-doc = サービスセンターが { $doc } に { $want } を応答すること
grade-answered-expected = { $want } の応答が 1 件以上
grade-answered-no-upload = アップロードは届きませんでした
grade-answered-fail = この応答を受けるはずのリクエストが、その形でサービスセンターに届きませんでした

## requests
grade-requests-description = { $path } へのリクエスト
grade-requests-at-least = { $min } 件以上
grade-requests-at-most = { $max } 件以下
grade-requests-between = { $min } 件以上 { $max } 件以下
grade-requests-count = { $path } へのリクエスト { $n } 件

# 複数の指摘を 1 文に（list-semicolon か list-comma で区切ります）。
grade-joined = { $items }

## 人が読むレポート（コンソール、HTML、JUnit）。判定コード、チェック名、ID は両言語で同じです。
report-verdict-pass = 合格
report-verdict-fail = 不合格
report-verdict-skip = スキップ
report-verdict-error = エラー
report-severity-error = エラー
report-severity-warning = 警告
report-level-required = 必須
report-level-optional = 任意
report-level-strict = 厳格
report-col-verdict = 判定
report-col-scenario = シナリオ
report-col-duration = 所要時間
report-col-failed = 不合格
report-col-title = タイトル
report-optional-note = （任意のシナリオです。報告のみで、実行全体は不合格になりません）
report-reason = 理由：{ $reason }
report-label-expected = 期待値：
report-label-actual = 観測値：
report-label-message = 説明：
report-more-evidence-console = … ほかに根拠が { $n } 行あります（JSON または HTML のレポートを見てください）
report-totals-scenarios = シナリオ：{ $totals }
report-totals-expectations = 確認項目：{ $totals }
report-totals = 全 { $total } 件（合格 { $passed }、不合格 { $failed }、スキップ { $skipped }、エラー { $errored }）
report-run-time = 実行時間：{ $duration }、{ $seed }
report-seed-own = シードはシナリオごとに固有
report-seed = シード { $seed }
report-scaled = 時間倍率 { $scale } で実行しました。この結果は適合性の認定には使えません
report-outcome-timed-out = 時間切れ（期限で強制終了）
report-outcome-exit = 終了コード { $code }
report-outcome-signal = シグナル { $signal } で終了
report-outcome-none = 終了コードなし
report-detail-expected = 期待値：{ $text }
report-detail-actual = 観測値：{ $text }
report-detail-requirement = 要件：{ $id }
report-detail-severity = 重大度：{ $severity }
report-detail-evidence = 根拠：
report-detail-more = … ほかに根拠が { $n } 行あります（JSON レポートを見てください）
report-system-out-run = --- { $index } 回目の実行：{ $outcome }（{ $ms } ミリ秒） ---
report-case-harness-no-reason = 試験ハーネスが失敗しました。理由は記録されていません
report-case-skip-no-reason = スキップしました。理由は記録されていません
report-case-fail-no-expectation = 不合格です。不合格の確認項目は記録されていません
# 表示されません（合格のケースにはメッセージがありません）。
report-case-pass = {""}

## HTML レポート
html-title = 適合性試験レポート：{ $suite }
html-heading = ID-Link ストアクライアント 適合性試験レポート
html-scaled-strong = 時間倍率を変えた実行のため、認定には使えません。
html-scaled-text = この実行は時間倍率 { $scale } で行ったため、期限とバックオフの待ち時間が縮められています。結果は開発中の確認用です。認定には時間倍率 1 での実行が必要です。
html-suite = スイート
html-client-command = クライアントコマンド
html-client-mode = クライアントの動作モード
html-seed = シード
html-seed-own = シナリオごとに固有（各シナリオを見てください）
html-time-scale = 時間倍率
html-scaled = （倍率変更あり）
html-nominal = （実時間）
html-started = 開始時刻
html-duration = 所要時間
html-summary = 概要
html-total = 合計
html-passed = 合格
html-failed = 不合格
html-skipped = スキップ
html-errored = エラー
html-scenarios = シナリオ
html-expectations = 確認項目
html-verdict = 判定
html-id = ID
html-title-col = タイトル
html-level = レベル
html-requirements = 要件
html-details = シナリオの詳細
html-reason = 理由：
html-file = ファイル
html-level-word = レベル
html-seed-word = シード
html-time-scale-word = 時間倍率
html-no-expectation = 判定した確認項目はありません。
html-description = 内容
html-requirement = 要件
html-expected = 期待値
html-actual = 観測値
html-message = 説明
html-evidence-for = 根拠：
html-client-runs = クライアントの実行
html-not-run = クライアントは実行されませんでした。
html-run = { $index } 回目の実行：{ $outcome }（{ $duration }）
html-actions = 実行されたアクション
html-none = なし。
html-at-ms = 時刻（ミリ秒）
html-state = 状態
html-action = アクション
html-request = リクエスト
html-connection = 接続
html-states = 通過した状態
html-none-recorded = 記録はありません。
html-coverage = 要件の網羅状況
html-no-coverage = この実行で確認した要件はありません。
html-footer-before = { $tool } が作成（スキーマ{" "}
html-footer-after = ）。正となるのは JSON レポートです。

## コマンドライン
cli-no-client = クライアントコマンドが指定されていません。--client-cmd 'your-uploader ...' を指定する（docs/conformance.md を見てください）か、`cargo run --release` で storeclient に対してスイートを実行してください
cli-bad-time-scale = --time-scale { $scale } は 0 より大きい値にしてください（1.0 が実時間です）
cli-cannot-write = { $path } に書き込めません

## 試験ハーネスがシナリオを実行できなかった理由（判定はエラー。アップローダーの責任ではありません）。
harness-facility = 施設コード { $facility }：{ $error }
harness-pki = 試験用 PKI を生成できません：{ $error }
harness-task = 試験ランナーのタスクが失敗しました：{ $error }
harness-data-dir = データディレクトリを作成できません：{ $error }
harness-work-dir = 作業ディレクトリを作成できません：{ $error }
harness-center = モックのサービスセンターを起動できません：{ $error }
harness-outbox-create = { $path } を作成できません：{ $error }
harness-outbox-drop = { $path } を送信フォルダー（outbox）に置けません：{ $error }

## `idlink-conformance --help` です（キーは i18n の `clap_help` の命名どおり）。
conformance-help-about = ストアクライアントに対して ID-Link の適合性試験スイートを実行し、模擬センターのジャーナルと保存内容から判定します。
conformance-help-after = 終了コード: 0 必須シナリオがすべて合格、1 アップローダーが必須シナリオのどれかで不合格、2 ハーネスがシナリオを実行できなかった（アップローダーの責任ではありません）、3 使い方の誤り。
    ベンダー向けインターフェース（環境変数、マニフェスト）は docs/conformance.md に記載しています。
conformance-help-lang = コンソールの集計、HTML レポート、JUnit のメッセージの言語です（`ja` または `en`）。指定がなければ LC_ALL / LC_MESSAGES / LANG（ja_JP.* なら日本語）、それもなければ英語です。JSON と CTRF のレポートは常に英語です
conformance-help-run = クライアントコマンドに対してスイートを実行します
conformance-help-replay = 保存したジャーナルまたは storeclient のトレースを再現するシナリオを書き出します
conformance-help-run-suite = スイートのディレクトリです
conformance-help-run-client-cmd = クライアントコマンドです。シナリオごとの作業ディレクトリで、IDLINK_* 環境変数（docs/conformance.md）を付けて `sh -c` で実行します
conformance-help-run-filter = ID またはパスが一致するシナリオだけを実行します（部分一致または `*` のパターン。複数はカンマ区切り）
conformance-help-run-client-mode = `command`（実行ごとに 1 回起動し、終了する必要があります）または `folder`（常駐型。文書を IDLINK_OUTBOX_DIR に置き、送信が済んだらランナーが SIGTERM で停止します）
conformance-help-run-jobs = 同時に実行するシナリオの数です
conformance-help-run-time-scale = シナリオのすべての時間と Retry-After に掛ける倍率です（倍率を変えた実行は認定に使えません）
conformance-help-run-seed = すべてのシナリオのシードをこの値で上書きします
conformance-help-run-json = JSON レポート（判定の正本）を書き出します
conformance-help-run-junit = JUnit XML を書き出します
conformance-help-run-html = HTML レポートを書き出します
conformance-help-run-ctrf = CTRF JSON を書き出します
conformance-help-run-keep-dir = 各シナリオの作業ディレクトリを DIR の下に残します（クライアントのデバッグ用）
conformance-help-run-quiet = 進捗バーを表示しません
conformance-help-replay-file = センターの `journal.jsonl`、または `storeclient --trace` のファイルです
conformance-help-replay-id = 新しいシナリオの ID です
conformance-help-replay-output = 標準出力ではなくこのファイルに書き出します
