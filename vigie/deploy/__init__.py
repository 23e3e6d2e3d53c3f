"""`vigie deploy`: the whole AWS deployment as one generated, linted stack.

Everything is built from `vigie.toml` (one source of truth) as Python data,
never by string templating: `target` checks the config and derives names,
`storage`/`iam`/`edge`/`api` build the CloudFormation resources of their
part, `stack` composes them with the SAM template `chalice package` emits,
`build` runs the steps into `build/deploy/`, `commands` prints (or, with
`--apply`, runs) the `aws` commands. See docs/deploy.md.
"""
