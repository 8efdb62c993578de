# The certificate desk and the transfer account sheet (admin API and web view).

desk-no-authority = This center was started from a PKI directory without CA keys (it has no ca/private/: idlink-certs init and mocks from before the desk kept its keys do not write them), so the certificate desk cannot issue or revoke. Start idlink-mock serve with an empty PKI directory (move DATA/pki aside) so it generates a PKI with its keys; the desk then keeps working across restarts.
desk-unknown-serial = The desk issued no certificate with serial number { $serial }. Check the serial number on the transfer account sheet or in GET /admin/desk/certificates.
desk-already-revoked = Certificate { $serial } was already revoked at { $at }; nothing to do.
desk-not-revocable = Certificate { $serial } ({ $variant }) was not issued by the center's issuing CA, so its revocation list cannot name it; the center refuses it at the handshake anyway.
desk-failed = The certificate desk could not issue or revoke: { $reason }. See the center's log.
desk-bad-request = The request body is not a certificate request: { $reason }. Send JSON with "facility" (10 digits) and optionally "variant", "key_type" and "format" (see mock-server/README.md).
desk-bad-facility = "{ $facility }" is not a facility code ({ $reason }). A facility code is 10 digits.
