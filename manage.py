#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if "DJANGO_SECRET_KEY" not in os.environ:
        # A checkout with no production configuration is a development checkout: management
        # commands run in development mode there. Production always sets DJANGO_SECRET_KEY, and
        # the web server (config/wsgi.py) never takes this default.
        os.environ.setdefault("DJANGO_DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
