from trtrepo.cli import main

main()
