"""natobot: short, sourced answers about a small library of NATO documents."""

__version__ = "0.1.0"
