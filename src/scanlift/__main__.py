from scanlift.cli import main

main()
