"""Local stand-ins for the services retest talks to, each on 127.0.0.1."""
