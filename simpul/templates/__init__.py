"""Jinja2 templates shared by the Nornir tasks and the Ansible roles."""
