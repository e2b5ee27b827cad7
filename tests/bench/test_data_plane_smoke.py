"""Smoke run of the data plane benchmark (ctest label bench, about 10 s): small volumes of 100 B
and 100 KiB records produced and fetched straight to librdkafka's mock cluster and through a
gateway in upstream mode, and a few single-record produce round trips each way. Every record
must come back by both routes, and every figure of the table be there."""

import unittest

from data_plane import DIRECT, GATEWAY, KIB, Volume, data_plane_section

VOLUMES = [Volume(20000, 100), Volume(200, 100 * KIB)]
LATENCY_REQUESTS = 200


class DataPlaneSmokeTest(unittest.TestCase):
    def test_every_record_comes_back_by_both_routes_and_every_figure_is_there(self):
        results = {}
        lines, problems = data_plane_section(1, VOLUMES, LATENCY_REQUESTS, results)
        self.assertEqual(problems, [], "\n".join(lines))
        data = results["data plane"]
        self.assertEqual(set(data["runs"]), {DIRECT, GATEWAY})
        for route, runs in data["runs"].items():
            for v in VOLUMES:
                [run] = runs["transfers"][v.label]
                self.assertEqual((run["fetched_records"], run["fetched_bytes"]),
                                 (v.records, v.value_bytes), f"{route}, {v.label}")
                for what in ("produce", "fetch"):
                    self.assertGreater(run[what]["seconds"], 0)
                    self.assertGreaterEqual(run[what]["cpu_s"]["gateway"], 0)
            [latency] = runs["latency"]
            self.assertEqual(latency["samples"], LATENCY_REQUESTS)
            self.assertGreater(latency["p50_ms"], 0)
            self.assertGreaterEqual(latency["p99_ms"], latency["p50_ms"])
        for v in VOLUMES:
            for what in ("produce", "fetch"):
                self.assertGreater(data["ratios"][v.label][what], 0, f"{what}, {v.label}")
        rows = [line for line in lines if line.startswith("| ") and "MB/s" in line]
        self.assertEqual(len(rows), 2 * len(VOLUMES))
        for row in rows + [line for line in lines if "round trip" in line]:
            self.assertNotIn("–", row)


if __name__ == "__main__":
    unittest.main()
