"""The awareness site: MkDocs Material build driven by the Vigie configuration."""
