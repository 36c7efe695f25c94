from generator.cli.main import entry

entry()
