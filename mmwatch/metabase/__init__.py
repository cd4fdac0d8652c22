"""Metabase content as code: the YAML under metabase/, its validation, and the provisioner."""
