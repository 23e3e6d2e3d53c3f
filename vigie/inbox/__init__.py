"""The analysts' inbox: pull encrypted tips, decrypt them locally, triage, export, purge, stats.

Layout of the package (each module knows nothing of argparse except `cli`):

* `keys`    — analyst identities: keygen (passphrase-protected age files), loading.
* `cache`   — the local cache of *ciphertext* objects and `pull` (incremental, resumable).
* `reader`  — decrypting cached tips into entries (ok / damaged / other recipients).
* `triage`  — shared triage state: append-only encrypted events in the store.
* `listing` — list / show / export of decrypted tips.
* `purge`   — retention: removes old tips and their state (dry run by default).
* `stats`   — aggregate counts with small-cell suppression and the public page;
  `chart` draws `stats.png` from the suppressed counts only.
* `service` — one function per command; `cli` wires argparse to them.

Privacy rule for the whole package: nothing decrypted is written to disk unless
the analyst names the destination (`--attachments DIR`, `export --out FILE`,
`stats --out DIR`), and then with file mode 0600.
"""
