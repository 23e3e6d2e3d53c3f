"""`vigie studio`: the comms team's campaign studio, a local web app over `vigie.campaign`.

It edits the same CAMPAIGN.toml files as `vigie campaign`, shows each piece as
it will print (with its verification results) and hands out the same files a
build writes. It listens on 127.0.0.1 only, behind `vigie.localweb`'s policy.
"""
