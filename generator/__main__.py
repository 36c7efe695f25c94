from generator.cli.launch import entry

entry()
