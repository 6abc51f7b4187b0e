/* Reading the store: list, resolve, inspect. Readers take no lock:
 * index.json is replaced atomically and names only content that is there. */
#include <errno.h>
#include <string.h>

#include "image/image_ref.h"
#include "image/image_store.h"

void image_info_clear(struct image_info *info)
{
	free(info->ref);
	free(info->created);
	*info = (struct image_info){ 0 };
}

void image_list_free(struct image_list *list)
{
	for (size_t i = 0; i < list->count; i++)
		image_info_clear(&list->items[i]);
	free(list->items);
	*list = (struct image_list){ 0 };
}

static int info_from_image(const struct store_image *img, const char *ref, struct image_info *out,
			   struct berr *err)
{
	*out = (struct image_info){ .size = img->size };
	memcpy(out->digest, img->digest, sizeof(out->digest));
	memcpy(out->config_digest, img->config, sizeof(out->config_digest));
	snprintf(out->arch, sizeof(out->arch), "%s", img->arch);
	if ((ref && !(out->ref = str_dup(ref, err))) ||
	    (img->created && !(out->created = str_dup(img->created, err)))) {
		image_info_clear(out);
		return -1;
	}
	return 0;
}

static int read_index(const struct paths *paths, struct store_index *ix, struct berr *err)
{
	struct store st;
	int rc;

	if (store_open(paths, &st, err) < 0)
		return -1;
	rc = store_index_read(&st, ix, err);
	store_close(&st);
	return rc;
}

static int by_ref(const void *a, const void *b)
{
	const struct image_info *x = a, *y = b;

	if (!x->ref || !y->ref)
		return !x->ref - !y->ref; /* untagged last */
	return strcmp(x->ref, y->ref);
}

static int append_info(struct image_list *out, const struct store_image *img, const char *ref,
		       struct berr *err)
{
	struct image_info *bigger = reallocarray(out->items, out->count + 1, sizeof(*bigger));

	if (!bigger)
		return berr_set(err, ENOMEM, "out of memory");
	out->items = bigger;
	if (info_from_image(img, ref, &out->items[out->count], err) < 0)
		return -1;
	out->count++;
	return 0;
}

/* One entry per reference; an untagged image once, without one. */
int image_list_all(const struct paths *paths, struct image_list *out, struct berr *err)
{
	struct store_index ix;
	int rc = read_index(paths, &ix, err);

	*out = (struct image_list){ 0 };
	for (size_t i = 0; rc == 0 && i < ix.count; i++) {
		const struct store_image *img = &ix.images[i];

		if (img->nrefs == 0)
			rc = append_info(out, img, NULL, err);
		for (size_t j = 0; rc == 0 && j < img->nrefs; j++)
			rc = append_info(out, img, img->refs[j], err);
	}
	store_index_free(&ix);
	if (rc < 0)
		image_list_free(out);
	else if (out->count)
		qsort(out->items, out->count, sizeof(*out->items), by_ref);
	return rc;
}

int image_resolve(const struct paths *paths, const char *ref, struct image_info *out, char *how,
		  size_t how_size, struct berr *err)
{
	struct store_index ix;
	struct resolve_result res;
	int rc = read_index(paths, &ix, err);

	*out = (struct image_info){ 0 };
	if (rc == 0)
		rc = ref_resolve(&ix, ref, &res, err);
	if (rc == 0)
		rc = info_from_image(&ix.images[res.image], res.ref, out, err);
	if (rc == 0 && how)
		snprintf(how, how_size, "%s", resolve_rule_name(res.rule));
	store_index_free(&ix);
	return rc;
}

static int add_blob(cJSON *j, const struct store *st, const char *name, const char *digest,
		    struct berr *err)
{
	cJSON *blob = store_blob_json(st, digest, err);

	if (!blob)
		return -1;
	if (!cJSON_AddItemToObject(j, name, blob))
		return cJSON_Delete(blob), berr_set(err, ENOMEM, "out of memory");
	return 0;
}

static cJSON *describe(const struct store *st, const struct store_image *img, const char *ref,
		       struct berr *err)
{
	_cleanup_cjson_ cJSON *j = cJSON_CreateObject();
	cJSON *refs;

	if (!j || !(ref ? cJSON_AddStringToObject(j, "ref", ref) : cJSON_AddNullToObject(j, "ref")) ||
	    !(refs = cJSON_AddArrayToObject(j, "refs")) ||
	    !cJSON_AddStringToObject(j, "digest", img->digest) ||
	    !cJSON_AddStringToObject(j, "arch", img->arch) ||
	    !cJSON_AddNumberToObject(j, "size", (double)img->size) ||
	    (img->created && !cJSON_AddStringToObject(j, "created", img->created)) ||
	    (img->loaded && !cJSON_AddStringToObject(j, "loaded", img->loaded)))
		return berr_set(err, ENOMEM, "out of memory"), NULL;
	for (size_t i = 0; i < img->nrefs; i++)
		if (!cJSON_AddItemToArray(refs, cJSON_CreateString(img->refs[i])))
			return berr_set(err, ENOMEM, "out of memory"), NULL;
	if (add_blob(j, st, "manifest", img->digest, err) < 0 ||
	    add_blob(j, st, "config", img->config, err) < 0)
		return NULL;
	return steal_ptr(j);
}

cJSON *image_inspect(const struct paths *paths, const char *ref, struct berr *err)
{
	struct store st;
	struct store_index ix = { 0 };
	struct resolve_result res;
	cJSON *j = NULL;

	if (store_open(paths, &st, err) < 0)
		return NULL;
	if (store_index_read(&st, &ix, err) == 0 && ref_resolve(&ix, ref, &res, err) == 0)
		j = describe(&st, &ix.images[res.image], res.ref, err);
	store_index_free(&ix);
	store_close(&st);
	return j;
}
