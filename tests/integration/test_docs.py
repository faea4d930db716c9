"""The README's config table is what the binary says about its schema."""
import os
import re
import subprocess
import unittest

import harness  # noqa: F401  (puts scripts/ on sys.path)
from trading_procs import ROOT, node_binary


class DocsTest(unittest.TestCase):
    def test_readme_lists_every_config_key_as_the_binary_does(self):
        schema = subprocess.run([node_binary(), "--print-schema"], check=True,
                                capture_output=True, text=True).stdout
        readme = open(os.path.join(ROOT, "README.md")).read()
        table = re.search(r"<!-- schema:begin -->\n(.*?)<!-- schema:end -->", readme,
                          re.S)
        self.assertIsNotNone(table, "README.md lacks the schema markers")
        self.assertEqual(table.group(1), schema,
                         "README.md's key table is stale: paste "
                         "`trading_node --print-schema` between the markers")


if __name__ == "__main__":
    unittest.main()
