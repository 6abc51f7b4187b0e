#include "lib.h"

int paths_init(struct paths *p, const char *root, struct berr *err)
{
	*p = (struct paths){ 0 };
	if (root) {
		p->root = str_dup(root, err);
		p->state = str_printf(err, "%s/lib", root);
		p->run = str_printf(err, "%s/run", root);
		p->etc = str_printf(err, "%s/etc", root);
		p->log = str_printf(err, "%s/log", root);
	} else {
		p->state = str_dup("/var/lib/berth", err);
		p->run = str_dup("/run/berth", err);
		p->etc = str_dup("/etc/berth", err);
		p->log = str_dup("/var/log/berth", err);
	}
	if ((root && !p->root) || !p->state || !p->run || !p->etc || !p->log) {
		paths_free(p);
		return -1;
	}
	return 0;
}

void paths_free(struct paths *p)
{
	free(p->root);
	free(p->state);
	free(p->run);
	free(p->etc);
	free(p->log);
	*p = (struct paths){ 0 };
}
