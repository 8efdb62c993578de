# The certificate desk and the transfer account sheet (admin API and web view).

desk-no-authority = このセンターは CA の秘密鍵を含まない PKI ディレクトリ（ca/private/ がない）から起動されているため、証明書窓口ではクライアント証明書の発行・失効ができません（idlink-certs init や、窓口が鍵を保存するようになる前の idlink-mock は鍵を書き出しません）。DATA/pki を別の場所へ移し、空の PKI ディレクトリで idlink-mock serve を起動すると、鍵付きの PKI が生成され、再起動後も証明書窓口を使えます。
desk-unknown-serial = シリアル番号 { $serial } のクライアント証明書は証明書窓口で発行されていません。転送用アカウント票、または GET /admin/desk/certificates でシリアル番号を確認してください。
desk-already-revoked = クライアント証明書 { $serial } は { $at } に失効済みです。操作は不要です。
desk-not-revocable = クライアント証明書 { $serial }（{ $variant }）はセンターの発行 CA が発行したものではないため、失効リスト（CRL）に載せられません。この証明書はいずれにしても TLS ハンドシェイクで拒否されます。
desk-failed = クライアント証明書の発行または失効に失敗しました: { $reason }。センターのログを確認してください。
desk-bad-request = リクエスト本文を証明書の発行依頼として読めません: { $reason }。"facility"（施設コード、10桁）と、必要に応じて "variant"、"key_type"、"format" を JSON で送ってください（mock-server/README.md を参照）。
desk-bad-facility = 「{ $facility }」は施設コードではありません（{ $reason }）。施設コードは10桁の数字です。
