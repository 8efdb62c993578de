# storeclient: errors, pre-flight findings and hints, summaries, --help and the init template.
