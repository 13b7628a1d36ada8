package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/pkg/partner"
)

// Imports (issue 11). An import is a job item beside the tenant's partners (`T#<t>`/`IMPORT#<id>`,
// the id derived from the file, so the same file is the same import) and its rows, planned at the
// request, written as chunk items (`T#<t>#IMPORT#<id>`/`CHUNK#<n>`, ChunkRows rows each). The
// importer function reads each chunk's INSERT from the table's stream (template.yaml filters on the
// chunk's type), applies its rows and adds its counts to the job in one transaction that also marks
// the chunk done, so a redelivered chunk is counted once.

// ChunkRows is how many planned rows one chunk item holds (~300 bytes a row: ~30 KB an item).
const ChunkRows = 100

// Import is an import's job: what the plan found, and how far the importer got.
type Import struct {
	ID        string          `json:"id"`
	Kind      string          `json:"kind"`
	Status    string          `json:"status"` // running, done
	Planned   partner.Summary `json:"planned"`
	Chunks    int             `json:"chunks"`
	Done      int             `json:"chunksDone"`
	Created   int             `json:"created"`
	Updated   int             `json:"updated"`
	Unchanged int             `json:"unchanged"`
	Rejected  int             `json:"rejected"`
	// Rejects are the rows the plan or the importer refused (the first MaxRejects of them).
	Rejects    []partner.RowPlan `json:"rejects"`
	CreatedAt  time.Time         `json:"createdAt"`
	FinishedAt *time.Time        `json:"finishedAt,omitempty"`
}

// MaxRejects bounds the rejected rows an import's job item keeps (its size stays under 400 KB).
const MaxRejects = 200

// Import statuses.
const (
	ImportRunning = "running"
	ImportDone    = "done"
)

// ChunkRow is one planned write of a chunk.
type ChunkRow struct {
	Line    int             `json:"line"`
	Action  string          `json:"action"`
	Partner partner.Partner `json:"partner"`
	Version int             `json:"version,omitempty"`
	// OldNPI is the stored NPI an update was planned from (its marker moves).
	OldNPI string `json:"oldNpi,omitempty"`
}

// Chunk is a chunk item as the importer reads it.
type Chunk struct {
	Tenant string     `json:"tid"`
	Import string     `json:"import"`
	N      int        `json:"n"`
	Rows   []ChunkRow `json:"-"`
}

// StartImport stores an import's job and its chunks. When the job exists already (the same file
// again) it is returned as it is and started is false; chunks are put only if absent, so a start
// that failed half-way is finished by the next try with the same file and no chunk runs twice.
func (s *Store) StartImport(ctx context.Context, tid string, job Import, rows []ChunkRow) (Import, bool, error) {
	return startImport(ctx, s, tid, job, rows)
}

// startImport is StartImport for any kind of planned row; a chunk item carries its job's kind.
func startImport[T any](ctx context.Context, s *Store, tid string, job Import, rows []T) (Import, bool, error) {
	job.Status = ImportRunning
	job.Chunks = (len(rows) + ChunkRows - 1) / ChunkRows
	if len(rows) == 0 {
		job.Status = ImportDone
		at := s.now()
		job.FinishedAt = &at
	}
	item, err := marshal(job, map[string]string{attrPK: tenantPK(tid), attrSK: importSK(job.ID), attrType: typeImport})
	if err != nil {
		return job, false, err
	}
	_, err = s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item,
		ConditionExpression:                 cond("attribute_not_exists(PK)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	started := true
	if old, ok := existing(err); ok {
		if err := unmarshal(old, &job); err != nil {
			return job, false, err
		}
		if job.Status == ImportDone {
			return job, false, nil
		}
		started = false // resume: put the chunks that are missing
	} else if err != nil {
		return job, false, fmt.Errorf("import: %w", err)
	}
	for n := 0; n*ChunkRows < len(rows); n++ {
		part := rows[n*ChunkRows : min(len(rows), (n+1)*ChunkRows)]
		b, err := json.Marshal(part)
		if err != nil {
			return job, false, err
		}
		_, err = s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: map[string]types.AttributeValue{
			attrPK: str(importChunkPK(tid, job.ID)), attrSK: str(importChunkSK(n)), attrType: str(typeImportChunk),
			"tid": str(tid), "import": str(job.ID), "kind": str(job.Kind), "n": num(int64(n)), "rows": str(string(b)),
			attrTTL: ttl(s.now().Add(30 * 24 * time.Hour))},
			ConditionExpression: cond("attribute_not_exists(PK)")})
		if err != nil && !isConditionFailed(err) {
			return job, false, fmt.Errorf("import chunk: %w", err)
		}
	}
	return job, started, nil
}

// ImportJob reads an import's job.
func (s *Store) ImportJob(ctx context.Context, tid, id string) (Import, error) {
	var job Import
	if len(id) != 26 || id[:2] != "i_" {
		return job, ErrNotFound
	}
	item, err := s.get(ctx, tenantPK(tid), importSK(id))
	if err != nil {
		return job, err
	}
	err = unmarshal(item, &job)
	return job, err
}

// DecodeChunk reads a chunk item (a stream image converted to the SDK's item type).
func DecodeChunk(item map[string]types.AttributeValue) (Chunk, error) {
	c := Chunk{Tenant: getS(item, "tid"), Import: getS(item, "import"), N: int(getN(item, "n"))}
	if c.Tenant == "" || c.Import == "" {
		return c, fmt.Errorf("not an import chunk")
	}
	if err := json.Unmarshal([]byte(getS(item, "rows")), &c.Rows); err != nil {
		return c, fmt.Errorf("import chunk rows: %w", err)
	}
	return c, nil
}

// ApplyChunk writes a chunk's rows and counts them on the job, once: a chunk already done (a
// redelivery) changes nothing. Creates go 50 to a transaction (a partner and its NPI marker each);
// when one fails, its group is retried row by row, so a row that cannot be written (its NPI taken
// since the plan, its partner changed since) is rejected alone. A create whose partner is already
// there from this same import (a retry after a crash) counts as created.
func (s *Store) ApplyChunk(ctx context.Context, c Chunk) error {
	var counts struct{ created, updated, unchanged, rejected int }
	var rejects []partner.RowPlan
	reject := func(r ChunkRow, why string) {
		counts.rejected++
		rejects = append(rejects, partner.RowPlan{Line: r.Line, Action: partner.ActionReject, Name: r.Partner.Name,
			NPI: r.Partner.NPI, Reasons: []string{why}})
	}
	var creates []ChunkRow
	for _, r := range c.Rows {
		switch r.Action {
		case partner.ActionCreate:
			creates = append(creates, r)
		case partner.ActionUpdate:
			_, err := s.savePartner(ctx, c.Tenant, r.Partner, r.OldNPI, r.Version)
			var taken *NPITakenError
			switch {
			case err == nil:
				counts.updated++
			case errorsAs(err, &taken):
				reject(r, "npi: another partner of this practice has this NPI")
			case err == ErrConflict || err == ErrNotFound:
				// Changed since the plan: is it already what the row asks (this import, redelivered)?
				cur, gerr := s.Partner(ctx, c.Tenant, r.Partner.ID)
				if gerr == nil && cur.Version == r.Version+1 && cur.NPI == r.Partner.NPI && cur.Name == r.Partner.Name {
					counts.updated++
				} else {
					reject(r, "the partner was changed since the file was checked; import the file again to see what is left")
				}
			default:
				return err
			}
		case partner.ActionUnchanged:
			counts.unchanged++
		}
	}
	for len(creates) > 0 {
		group := creates[:min(50, len(creates))]
		creates = creates[len(group):]
		var w []types.TransactWriteItem
		for _, r := range group {
			r.Partner.ImportID = c.Import
			ws, err := s.createPartnerWrites(c.Tenant, r.Partner)
			if err != nil {
				return err
			}
			w = append(w, ws...)
		}
		if _, err := s.transact(ctx, w); err == nil {
			counts.created += len(group)
			continue
		} else if cancelled(err) == nil {
			return fmt.Errorf("import: %w", err)
		}
		for _, r := range group { // one failed: find which, row by row
			r.Partner.ImportID = c.Import
			err := s.createPartner(ctx, c.Tenant, r.Partner)
			var taken *NPITakenError
			switch {
			case err == nil:
				counts.created++
			case err == ErrExists:
				cur, gerr := s.Partner(ctx, c.Tenant, r.Partner.ID)
				if gerr == nil && cur.ImportID == c.Import {
					counts.created++
				} else {
					reject(r, "could not be created")
				}
			case errorsAs(err, &taken):
				if taken.PartnerID == r.Partner.ID {
					counts.created++
				} else {
					reject(r, "npi: another partner of this practice has this NPI (added since the file was checked)")
				}
			default:
				return err
			}
		}
	}
	return s.countChunk(ctx, c.Tenant, c.Import, c.N, chunkCounts{counts.created, counts.updated, counts.unchanged, counts.rejected}, rejects)
}

// chunkCounts are what applying a chunk did with its rows.
type chunkCounts struct{ created, updated, unchanged, rejected int }

// countChunk marks chunk n of an import done and adds its counts to the job in one transaction, so
// a redelivered chunk is counted once; the last chunk closes the job.
func (s *Store) countChunk(ctx context.Context, tid, imp string, n int, counts chunkCounts, rejects []partner.RowPlan) error {
	c := struct {
		Tenant, Import string
		N              int
	}{tid, imp, n}
	vals := map[string]types.AttributeValue{":c": num(int64(counts.created)), ":u": num(int64(counts.updated)),
		":n": num(int64(counts.unchanged)), ":r": num(int64(counts.rejected)), ":one": num(1),
		":at": str(s.now().Format(time.RFC3339Nano))}
	upd := "ADD created :c, updated :u, unchanged :n, rejected :r, chunksDone :one"
	if len(rejects) > 0 {
		l, err := marshalList(rejects)
		if err != nil {
			return err
		}
		vals[":rj"], vals[":empty"] = l, &types.AttributeValueMemberL{}
		upd = "SET rejects = list_append(if_not_exists(rejects, :empty), :rj) " + upd
	}
	reasons, err := s.transact(ctx, []types.TransactWriteItem{
		{Update: &types.Update{Key: key(importChunkPK(c.Tenant, c.Import), importChunkSK(c.N)),
			ConditionExpression: cond("attribute_exists(PK) AND attribute_not_exists(doneAt)"),
			UpdateExpression:    cond("SET doneAt = :at"), ExpressionAttributeValues: map[string]types.AttributeValue{":at": vals[":at"]}}},
		{Update: &types.Update{Key: key(tenantPK(c.Tenant), importSK(c.Import)), ConditionExpression: cond("attribute_exists(PK)"),
			UpdateExpression: cond(upd), ExpressionAttributeValues: withoutAt(vals)}},
	})
	if err != nil {
		if len(reasons) > 0 && reasonFailed(reasons[0]) {
			return nil // done before: a redelivery
		}
		return fmt.Errorf("import progress: %w", err)
	}
	// The last chunk closes the job.
	_, err = s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: key(tenantPK(c.Tenant), importSK(c.Import)),
		ConditionExpression:       cond("chunksDone = chunks AND #s = :running"),
		UpdateExpression:          cond("SET #s = :done, finishedAt = :at"),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":running": str(ImportRunning), ":done": str(ImportDone), ":at": vals[":at"]}})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("import done: %w", err)
	}
	return nil
}

func withoutAt(v map[string]types.AttributeValue) map[string]types.AttributeValue {
	out := map[string]types.AttributeValue{}
	for k, x := range v {
		if k != ":at" {
			out[k] = x
		}
	}
	return out
}

func marshalList[T any](list []T) (types.AttributeValue, error) {
	l := &types.AttributeValueMemberL{}
	for _, v := range list {
		m, err := marshalValue(v)
		if err != nil {
			return nil, err
		}
		l.Value = append(l.Value, m)
	}
	return l, nil
}

// ImportChunks lists an import's chunks that are not done yet (for a person, or a test, to see
// what is left). It reads the chunk partition's keys and done marks only.
func (s *Store) ImportChunks(ctx context.Context, tid, id string) (left []int, err error) {
	in := &dynamodb.QueryInput{TableName: &s.Table, KeyConditionExpression: cond("PK = :pk"),
		ProjectionExpression:      aws.String("n, doneAt"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(importChunkPK(tid, id))}}
	type ch struct {
		N      int    `json:"n"`
		DoneAt string `json:"doneAt"`
	}
	list, err := queryAll(ctx, s.DB, in, decodeAs[ch], 0)
	for _, c := range list {
		if c.DoneAt == "" {
			left = append(left, c.N)
		}
	}
	return left, err
}
