from airflow_photoroom.emulator.server import main

main()
