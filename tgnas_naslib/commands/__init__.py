"""Sub-commands of the ``tgnas`` CLI (one module each, registered in ``tgnas_naslib.cli.COMMANDS``)."""
