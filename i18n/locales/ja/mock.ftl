# idlink-mock: command-line output and the problem documents' detail texts.
