from .cli import main

if __name__ == "__main__":  # not when a worker process is spawned (it imports this module as ``__mp_main__``)
    main(prog_name="retest")
