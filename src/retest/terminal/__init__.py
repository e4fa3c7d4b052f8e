"""What the command line shows: messages, colour and paging, tables, progress bars, cost lines and the options
that shape them. Used by ``cli`` and ``commands`` only; no library stage imports it."""
