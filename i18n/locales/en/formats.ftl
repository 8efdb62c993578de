# idlink-formats findings: the words for each finding's message id and arguments (the validator carries only code, id and arguments).
