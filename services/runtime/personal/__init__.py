"""Personal data at rest and on the wire: the site's vault of data keys (vault), sealing and
opening events' personal fields (fields), and how parties get each other's keys (desk)."""
