from lanqing.cli import main

raise SystemExit(main())
