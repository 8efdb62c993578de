# The certificate desk and the transfer account sheet (admin API and web view).
