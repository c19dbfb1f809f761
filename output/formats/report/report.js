// SPDX-License-Identifier: GPL-2.0-only
// The report's page, built from the data embedded in it (see output/formats/report_writer.h).
"use strict";
(function () {
	const data = JSON.parse(document.getElementById("bpfprof-data").textContent);
	const p = document.createElement("p");
	p.textContent = `${data.meta.title}: ${data.summary.samples || 0} samples`;
	document.body.appendChild(p);
})();
