/*
 * cmd_info.c: what gntboxd can tell: gntbox list (domains), gntbox grants
 * (grant tables), gntbox ports (event channels, like Xen's lsevtchn) and
 * gntbox stats (counters).  Each prints a table, or with --json one JSON
 * value whose field names gntbox(1) documents.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/xen.h>
#include <xen/grant_table.h>

#include "cli/cli.h"
#include "cli/json_out.h"
#include "lib/ctl.h"

/* gntbox list --json: an array of domains. */
static struct json_object *
list_json(struct gbx_domain_rec *d, uint32_t n)
{
	struct json_object *a, *o;
	uint32_t i;

	a = cj_array();
	for (i = 0; i < n; i++) {
		d[i].name[GBX_NAME_MAX - 1] = '\0';
		o = cj_object();
		cj_set_u64(o, "domid", d[i].domid);
		cj_set_str(o, "name", d[i].name);
		cj_set_u64(o, "connections", d[i].conns);
		cj_set_u64(o, "grants", d[i].grants);
		cj_set_u64(o, "handles", d[i].handles);
		cj_set_u64(o, "ports", d[i].ports);
		cj_set_bool(o, "privileged",
		    (d[i].flags & GBX_DOM_PRIVILEGED) != 0);
		cj_set_bool(o, "dying", (d[i].flags & GBX_DOM_DYING) != 0);
		cj_push(a, o);
	}
	return (a);
}

int
cmd_list(int argc, char **argv)
{
	struct cli_opts o;
	struct gbx_domain_rec *d;
	struct gbx_conn *c;
	uint32_t i, n;
	int error, rc;

	if ((rc = cli_options("list", argc, argv, CLI_OPT_JSON,
		 "usage: gntbox list [--json]\n\nList the domains: id, name, "
		 "open connections, grants in use,\nmaptrack handles, ports, "
		 "and whether privileged or being destroyed.\n",
		 &o)) != 0)
		return (rc < 0 ? 0 : rc);
	if ((rc = cli_ctl_open("list", &c)) != 0)
		return (rc);
	error = gbx_ctl_domains(c, &d, &n);
	gbx_conn_close(c);
	if (error != 0)
		return (cli_fail("list", "%s", strerror(error)));
	if (o.json) {
		rc = cj_print("list", list_json(d, n));
		free(d);
		return (rc);
	}
	printf("%-6s %-20s %6s %7s %8s %6s  %s\n", "DOMID", "NAME", "CONNS",
	    "GRANTS", "HANDLES", "PORTS", "FLAGS");
	for (i = 0; i < n; i++) {
		d[i].name[GBX_NAME_MAX - 1] = '\0';
		printf("%-6u %-20s %6u %7u %8u %6u  %s%s\n", d[i].domid,
		    d[i].name, d[i].conns, d[i].grants, d[i].handles,
		    d[i].ports,
		    (d[i].flags & GBX_DOM_PRIVILEGED) != 0 ? "privileged" : "",
		    (d[i].flags & GBX_DOM_DYING) != 0 ? "dying" : "");
	}
	free(d);
	cli_block_list_dms();
	return (0);
}

/* The GTF_* flag bits we name. */
static const struct {
	uint16_t bit;
	const char *name;
} gtf_names[] = {
	{ GTF_readonly, "readonly" },
	{ GTF_reading, "reading" },
	{ GTF_writing, "writing" },
	{ GTF_sub_page, "sub_page" },
};

/* The name of an entry's type: permit_access, invalid, or typeN. */
static void
grant_type(uint16_t f, char *buf, size_t len)
{

	switch (f & GTF_type_mask) {
	case GTF_permit_access:
		(void)snprintf(buf, len, "permit_access");
		break;
	case GTF_invalid:
		(void)snprintf(buf, len, "invalid");
		break;
	default:
		(void)snprintf(buf, len, "type%u", f & GTF_type_mask);
		break;
	}
}

/* A grant entry's GTF_* flags, by name, joined with '|'. */
static void
grant_flags(uint16_t f, char *buf, size_t len)
{
	size_t i, used;

	grant_type(f, buf, len);
	used = strlen(buf);
	for (i = 0; i < sizeof(gtf_names) / sizeof(gtf_names[0]) && used < len;
	     i++)
		if ((f & gtf_names[i].bit) != 0)
			used += (size_t)snprintf(buf + used, len - used, "|%s",
			    gtf_names[i].name);
}

/* gntbox grants --json: an array of grant entries. */
static struct json_object *
grants_json(const struct gbx_grant_rec *g, uint32_t n)
{
	struct json_object *a, *o, *flags, *pids;
	char type[16];
	uint32_t i, j;

	a = cj_array();
	for (i = 0; i < n; i++) {
		o = cj_object();
		cj_set_u64(o, "domid", g[i].domid);
		cj_set_u64(o, "ref", g[i].ref);
		flags = cj_array();
		grant_type(g[i].flags, type, sizeof(type));
		cj_push(flags, json_object_new_string(type));
		for (j = 0; j < sizeof(gtf_names) / sizeof(gtf_names[0]); j++)
			if ((g[i].flags & gtf_names[j].bit) != 0)
				cj_push(flags,
				    json_object_new_string(gtf_names[j].name));
		cj_set(o, "flags", flags);
		cj_set_u64(o, "grantee", g[i].grantee);
		cj_set_u64(o, "frame", g[i].frame);
		cj_set_u64(o, "pins_writable", g[i].pin_w);
		cj_set_u64(o, "pins_readonly", g[i].pin_r);
		cj_set_str(o, "state",
		    (g[i].state & GBX_GRANT_DEFERRED) != 0 ? "deferred" :
							     "live");
		cj_set_u64_or_null(o, "owner_pid", g[i].owner_pid != 0,
		    g[i].owner_pid);
		cj_set_u64(o, "mappers", g[i].nmappers);
		pids = cj_array();
		for (j = 0; j < g[i].nmappers && j < GBX_REC_MAPPERS; j++)
			cj_push(pids,
			    json_object_new_uint64(g[i].mapper_pid[j]));
		cj_set(o, "mapper_pids", pids);
		cj_push(a, o);
	}
	return (a);
}

int
cmd_grants(int argc, char **argv)
{
	struct cli_opts o;
	struct gbx_grant_rec *g;
	struct gbx_conn *c;
	char flags[80];
	uint32_t i, j, n;
	int domid, error, rc;

	if ((rc = cli_options("grants", argc, argv, CLI_OPT_DOM | CLI_OPT_JSON,
		 "usage: gntbox grants [--dom N|NAME] [--json]\n\nDump the "
		 "grant "
		 "tables (of domain N, or of all): each entry in use\nwith its "
		 "flags, grantee, frame, pins (writable/read-only host\n"
		 "mappings), state, the process that shared it and the "
		 "processes\nthat map it.  'deferred' entries were given up by "
		 "their owner while\nthe grantee still maps them.\n",
		 &o)) != 0)
		return (rc < 0 ? 0 : rc);
	if ((rc = cli_dom_open("grants", &o, &c)) != 0)
		return (rc);
	domid = o.domid < 0 ? GBX_ALL_DOMAINS : o.domid;
	error = gbx_ctl_grants(c, (unsigned)domid, &g, &n);
	gbx_conn_close(c);
	if (error == ESRCH)
		return (cli_fail("grants", "there is no domain %d", domid));
	if (error != 0)
		return (cli_fail("grants", "%s", strerror(error)));
	if (o.json) {
		rc = cj_print("grants", grants_json(g, n));
		free(g);
		return (rc);
	}
	printf("%-5s %6s  %-32s %6s  %-10s %5s  %-8s %7s  %s\n", "DOM", "REF",
	    "FLAGS", "DOMID", "FRAME", "PINS", "STATE", "OWNER", "MAPPED BY");
	for (i = 0; i < n; i++) {
		grant_flags(g[i].flags, flags, sizeof(flags));
		printf("%-5u %6u  %-32s %6u  0x%08x %2uw/%ur  %-8s %7u ",
		    g[i].domid, g[i].ref, flags, g[i].grantee, g[i].frame,
		    g[i].pin_w, g[i].pin_r,
		    (g[i].state & GBX_GRANT_DEFERRED) != 0 ? "deferred" :
							     "live",
		    g[i].owner_pid);
		for (j = 0; j < g[i].nmappers && j < GBX_REC_MAPPERS; j++)
			printf(" %u", g[i].mapper_pid[j]);
		if (g[i].nmappers > GBX_REC_MAPPERS)
			printf(" (+%u)", g[i].nmappers - GBX_REC_MAPPERS);
		putchar('\n');
	}
	free(g);
	return (0);
}

static const char *const port_states[] = { "free", "unbound", "interdomain",
	"virq" };

/* gntbox ports --json: an array of ports; fields that the state does
 * not use are null. */
static struct json_object *
ports_json(const struct gbx_port_rec *p, uint32_t n)
{
	struct json_object *a, *o;
	uint32_t i;
	bool unbound, inter, virq;

	a = cj_array();
	for (i = 0; i < n; i++) {
		unbound = p[i].state == GBX_PORT_UNBOUND;
		inter = p[i].state == GBX_PORT_INTERDOMAIN;
		virq = p[i].state == GBX_PORT_VIRQ;
		o = cj_object();
		cj_set_u64(o, "domid", p[i].domid);
		cj_set_u64(o, "port", p[i].port);
		cj_set_str(o, "state",
		    p[i].state < 4 ? port_states[p[i].state] : "?");
		cj_set_u64_or_null(o, "remote_domid", unbound || inter,
		    p[i].remote_dom);
		cj_set_u64_or_null(o, "remote_port", inter, p[i].remote_port);
		cj_set_u64_or_null(o, "virq", virq, p[i].virq);
		cj_set_u64_or_null(o, "owner_pid", p[i].owner_pid != 0,
		    p[i].owner_pid);
		cj_set_u64(o, "notifies", p[i].notify_refs);
		cj_push(a, o);
	}
	return (a);
}

int
cmd_ports(int argc, char **argv)
{
	struct cli_opts o;
	struct gbx_port_rec *p;
	struct gbx_conn *c;
	uint32_t i, n;
	int domid, error, rc;

	if ((rc = cli_options("ports", argc, argv, CLI_OPT_DOM | CLI_OPT_JSON,
		 "usage: gntbox ports [--dom N|NAME] [--json]\n\nList the "
		 "event-channel ports in use (of domain N, or of all), like\n"
		 "Xen's lsevtchn: state, remote end, owning process, and "
		 "unmap\nnotifies waiting to fire on the port.\n",
		 &o)) != 0)
		return (rc < 0 ? 0 : rc);
	if ((rc = cli_dom_open("ports", &o, &c)) != 0)
		return (rc);
	domid = o.domid < 0 ? GBX_ALL_DOMAINS : o.domid;
	error = gbx_ctl_ports(c, (unsigned)domid, &p, &n);
	gbx_conn_close(c);
	if (error == ESRCH)
		return (cli_fail("ports", "there is no domain %d", domid));
	if (error != 0)
		return (cli_fail("ports", "%s", strerror(error)));
	if (o.json) {
		rc = cj_print("ports", ports_json(p, n));
		free(p);
		return (rc);
	}
	printf("%-5s %6s  %-12s %-14s %7s %8s\n", "DOM", "PORT", "STATE",
	    "REMOTE", "OWNER", "NOTIFIES");
	for (i = 0; i < n; i++) {
		char remote[32] = "";

		if (p[i].state == GBX_PORT_UNBOUND)
			snprintf(remote, sizeof(remote), "dom %u",
			    p[i].remote_dom);
		else if (p[i].state == GBX_PORT_INTERDOMAIN)
			snprintf(remote, sizeof(remote), "dom %u port %u",
			    p[i].remote_dom, p[i].remote_port);
		else if (p[i].state == GBX_PORT_VIRQ)
			snprintf(remote, sizeof(remote), "virq %u", p[i].virq);
		printf("%-5u %6u  %-12s %-14s %7u %8u\n", p[i].domid, p[i].port,
		    p[i].state < 4 ? port_states[p[i].state] : "?", remote,
		    p[i].owner_pid, p[i].notify_refs);
	}
	free(p);
	return (0);
}

int
cmd_stats(int argc, char **argv)
{
	struct cli_opts o;
	struct gbx_stats st;
	struct gbx_conn *c;
	struct json_object *obj;
	int error, rc;
	const struct {
		const char *name;
		uint64_t *v;
	} f[] = {
		{ "domains", &st.domains },
		{ "connections", &st.connections },
		{ "grants", &st.grants },
		{ "maps", &st.maps },
		{ "handles", &st.handles },
		{ "deferred", &st.deferred },
		{ "pages", &st.pages },
		{ "arenas", &st.arenas },
		{ "ports", &st.ports },
		{ "nodes", &st.nodes },
		{ "watches", &st.watches },
		{ "transactions", &st.transactions },
		{ "deferred_released", &st.deferred_released },
		{ "notifies_fired", &st.notifies_fired },
		{ "protocol_errors", &st.protocol_errors },
		{ "conns_dropped", &st.conns_dropped },
		{ "fds", &st.fds },
		{ "limit_refusals", &st.limit_refusals },
		{ "hypercalls_enosys", &st.hypercalls_enosys },
	};
	size_t i;

	if ((rc = cli_options("stats", argc, argv, CLI_OPT_JSON,
		 "usage: gntbox stats [--json]\n\nPrint gntboxd's counters. "
		 "The first twelve are levels (what exists\nnow: every test "
		 "expects them back at their baseline afterwards); the\nrest "
		 "are totals since gntboxd started, but fds (descriptors "
		 "held\nfor clients now).\n",
		 &o)) != 0)
		return (rc < 0 ? 0 : rc);
	if ((rc = cli_ctl_open("stats", &c)) != 0)
		return (rc);
	error = gbx_ctl_stats(c, &st);
	gbx_conn_close(c);
	if (error != 0)
		return (cli_fail("stats", "%s", strerror(error)));
	if (o.json) {
		obj = cj_object();
		for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
			cj_set_u64(obj, f[i].name, *f[i].v);
		return (cj_print("stats", obj));
	}
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		printf("%-18s %llu\n", f[i].name, (unsigned long long)*f[i].v);
	return (0);
}
